// Issue "Search cost" and "Scaling": what a search of M bases × N savers costs on the real farm.
//
//   npx nx run-many -t build -p api worker      # the bench runs the built apps
//   npx tsx --conditions=development bench/search-cost.bench.ts
//
// s3rver in its own process behind a counting proxy (bench/search-cost/s3-counter.ts), the local
// Redis under unique queue prefixes, the built API and worker(s) as child processes, the bundled
// zoo and fashion-mnist shards registered through REST (bench/search-cost/farm.ts). Per session
// a fresh farm (new queue prefix, new S3 prefix: no records), in rounds over the worker layouts:
// - the first layout (1 process × 1 compute thread × 2 onnxruntime threads): the search cold,
//   then again warm (every record cached), then with one saver added that no search used;
// - the others: the cold search only (scaling on 2 cores); the third yields to the time budget.
// Model passes executed are read from the records jobs' return values (the queue's events
// stream) and must equal the (model, shard) records missing before each search, with no
// (model, shard) computed twice. Last, one cold + warm search against a private redis-server
// with MONITOR for Redis commands per records job (the shared Redis serves other sessions), and
// redis-benchmark against it. Writes bench/results/search-cost.{json,md}; exits 1 when a count is
// off. Before each timed search it waits (≤ 20 s) for others to use < 15 % of the machine; a
// session they disturbed more is run again on a fresh farm while within the budget (9.5 min).
//
// Knobs (defaults in search-cost/config.ts): BENCH_SEARCH_BASES, BENCH_SEARCH_SAVERS,
// BENCH_SEARCH_ADDED_SAVER, BENCH_SEARCH_LAYOUTS (one,two,oneByTwo), BENCH_SEARCH_RUNS (3),
// BENCH_SEARCH_TRIES (2), BENCH_SEARCH_ACCOUNTING (1), BENCH_SEARCH_FOREIGN_LIMIT (0.15),
// BENCH_SEARCH_BUDGET_S (570), BENCH_SEARCH_POLL_MS (250); BENCH_SEARCH_RENDER=1 re-renders the
// .md from the .json. Smoke run (~80 s): BENCH_SEARCH_RUNS=1 BENCH_SEARCH_LAYOUTS=one,two
//   BENCH_SEARCH_TRIES=1 BENCH_SEARCH_BASES=cnn-tiny BENCH_SEARCH_SAVERS=mlp-64
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  onCleanup,
  provenance,
  REDIS_URL,
  redisVersion,
  requireBuilt,
  RESULTS,
  runBench,
  startS3Process,
  version,
} from './api/common';
import { benchConfig } from './search-cost/config';
import { uploadSharedInputs } from './search-cost/farm';
import { checkCounts, renderMarkdown, type ResultDocument } from './search-cost/report';
import { startS3Counter } from './search-cost/s3-counter';
import { runSpinProbe } from './search-cost/spin-probe';
import {
  runAccounting,
  runSession,
  withinBudget,
  type BenchEnv,
  type SessionResult,
} from './search-cost/sessions';

/** BENCH_SEARCH_RENDER=1: the markdown again from the last .json (after editing the report). */
function renderOnly(): number {
  const document = JSON.parse(
    readFileSync(join(RESULTS, 'search-cost.json'), 'utf8'),
  ) as ResultDocument;
  const config = benchConfig();
  // Sessions refer to layouts by value in the .json; match them to the configured ones.
  for (const s of document.sessions)
    (s as { layout: unknown }).layout =
      config.layouts.find((l) => l.label === s.layout.label) ?? s.layout;
  writeFileSync(join(RESULTS, 'search-cost.md'), renderMarkdown(document, config));
  return 0;
}

async function main(): Promise<number> {
  if (process.env.BENCH_SEARCH_RENDER === '1') return renderOnly();
  const missing = requireBuilt();
  if (missing) {
    console.error(missing);
    return 2;
  }
  const config = benchConfig();
  const startedAt = Date.now();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prov = {
    ...provenance(),
    redis: await redisVersion(redis),
    onnxruntime: version('onnxruntime-node'),
  };
  redis.disconnect();
  console.log(
    `search cost: ${prov.cpu}, ${prov.cores} cores, node ${prov.node}, onnxruntime-node ${prov.onnxruntime}, bullmq ${prov.bullmq}, git ${prov.gitSha}${prov.gitDirty ? '+' : ''}`,
  );
  console.log(
    `bases ${config.bases.map((m) => m.name).join(', ')}; savers ${config.savers.map((m) => m.name).join(', ')}; added later ${config.added.name}`,
  );

  const s3 = await startS3Process();
  const counter = await startS3Counter(s3.endpoint);
  const stopCounter = onCleanup('s3 counter', () => counter.stop());
  await uploadSharedInputs(s3.client, s3.bucket, [...config.involved, config.added]);
  const env: BenchEnv = {
    config,
    redisUrl: REDIS_URL,
    s3: s3.client,
    bucket: s3.bucket,
    counter,
    benchPids: () => [process.pid, s3.pid],
    startedAt,
  };

  const sessions: SessionResult[] = [];
  for (let round = 0; round < config.runs; round++)
    for (const [i, layout] of config.layouts.entries()) {
      // The third layout is the optional one ("if cheap"): it yields to the time budget.
      if (i >= 2 && !withinBudget(env)) {
        console.log(`round ${round + 1}: ${layout.label} skipped (past the time budget)`);
        continue;
      }
      console.log(`round ${round + 1}/${config.runs}, ${layout.label}`);
      sessions.push(await runSession(env, layout, i === 0));
    }
  // onnxruntime alone on the costliest model of the search: why the layouts differ.
  const probeModel = config.involved.reduce((a, b) => (b.macs > a.macs ? b : a));
  console.log(`onnxruntime alone on ${probeModel.name}: 2 threads spinning / not / 1 thread …`);
  const spinProbe = { model: probeModel.name, passes: await runSpinProbe(probeModel) };
  const accounting = config.accounting ? await runAccounting(env) : undefined;

  stopCounter();
  await counter.stop();
  await s3.stop();

  const checks = checkCounts(config, sessions);
  const document = {
    bench: 'search-cost',
    provenance: prov,
    config: {
      bases: config.bases.map((m) => ({ name: m.name, macs: m.macs })),
      savers: config.savers.map((m) => ({ name: m.name, macs: m.macs })),
      added: { name: config.added.name, macs: config.added.macs },
      runs: config.runs,
      foreignLimit: config.foreignLimit,
      searchPollMs: config.searchPollMs,
    },
    benchSeconds: (Date.now() - startedAt) / 1000,
    checks,
    sessions,
    spinProbe,
    accounting,
  };
  writeFileSync(join(RESULTS, 'search-cost.json'), `${JSON.stringify(document, null, 2)}\n`);
  const markdown = renderMarkdown(document, config);
  writeFileSync(join(RESULTS, 'search-cost.md'), markdown);
  console.log(`\n${markdown}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

runBench('search-cost', 30 * 60_000, main);
