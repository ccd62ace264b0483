// Issue "REST API": aggregating 20 models × 20 models on 50,000 samples — report the time.
//
//   npm run bench:api      # builds api + worker, runs this and latency.bench.ts
//   npx tsx --conditions=development bench/api/aggregation.bench.ts   # after the build
//
// A seeded synthetic search (bench/api/synthetic-search.ts): 20 models (MACs 1e6 … 1e10, accuracy
// rising with MACs, 10 classes), a selection and an evaluation split of 50,000 samples each as
// 10 shards × 5,000, every (model, shard) record encoded with encodeRecord and written to s3rver
// (its own process) under its FarmLayout record key; the SearchSpec has every model as a base
// with all cheaper models as savers, top 5, budgets 0.01/0.5/1 points, chains.
//
// Measures, in fresh child processes (one per row group, so each peak RSS is its own; one
// warm-up then RUNS runs, median reported): aggregateSearch end to end (the built worker's code:
// fetch + decode + align + report) with 200 bootstrap replicates and with none; its phases —
// fetching alone, loading outcomes, buildSearchReport with and without the bootstrap. Then once
// through the real worker (built, child process, private queue prefix): the spec and live marker
// written as the API writes them, the aggregate job added, submit → results.json timed; its
// results must equal the in-process ones (same seed). Writes bench/results/api-aggregation.{json,md}.
// Shape for a smoke run: BENCH_API_MODELS, BENCH_API_SHARDS, BENCH_API_SHARD_SAMPLES, BENCH_RUNS.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  aggregateJobId,
  DEFAULT_JOB_OPTIONS,
  JobName,
  QueueName,
  type SearchResultsDocument,
} from '@tinysaver/contracts';
import { FarmLayout } from '@tinysaver/storage';
import { farmEnv, startApp, type AppProcess } from '@tinysaver/testkit';
import type { MeasureKind, MeasureReply, RunTiming } from './aggregation-measure';
import {
  cpuWindow,
  dropPrefix,
  f0,
  f1,
  f2,
  onCleanup,
  peakRssMiB,
  processCpuMs,
  provenance,
  REDIS_URL,
  redisVersion,
  requireBuilt,
  rssMiB,
  RESULTS,
  runBench,
  sleep,
  startS3Process,
  stats,
  WORKER_MAIN,
  type S3Process,
} from './common';
import {
  putSearchSpec,
  syntheticModels,
  syntheticShape,
  syntheticSpec,
  writeSyntheticRecords,
} from './synthetic-search';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BOOTSTRAP = 200;
const TENANT = 'bench';

function measureInChild(
  s3: S3Process,
  kind: MeasureKind,
  bootstrapReplicates: number,
): Promise<MeasureReply> {
  const child = fork(join(__dirname, 'aggregation-measure.ts'), [], {
    env: {
      ...process.env,
      BENCH_MEASURE: kind,
      BENCH_BOOTSTRAP: String(bootstrapReplicates),
      BENCH_RUNS: String(RUNS),
      BENCH_S3_ENDPOINT: s3.endpoint,
      BENCH_S3_BUCKET: s3.bucket,
      BENCH_S3_PID: String(s3.pid),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const unregister = onCleanup(`measure ${kind}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return new Promise<MeasureReply>((resolve, reject) => {
    let reply: MeasureReply | undefined;
    child.once('message', (message) => (reply = message as MeasureReply));
    void exited.then((code) => {
      unregister();
      if (reply) resolve(reply);
      else reject(new Error(`measurement '${kind}' exited with code ${code} without a reply`));
    });
  });
}

/** Stops a built app: SIGTERM, then SIGKILL after 15 s. */
async function stopApp(app: AppProcess): Promise<void> {
  const killer = setTimeout(() => void app.kill('SIGKILL'), 15_000);
  await app.kill('SIGTERM');
  clearTimeout(killer);
}

interface WorkerRun {
  env: Record<string, string>;
  /** The API's order: search.json + live marker written, then the job added; from the first write. */
  submitToResultsMs: number;
  /** Same, to the job's completion (after results.json: status.json written, live marker gone). */
  submitToCompletedMs: number;
  /** BullMQ stamps: job added → taken by the worker → completed. */
  addToActiveMs: number;
  activeToCompletedMs: number;
  workerCpuMs: number;
  workerRssBeforeMiB: number;
  workerPeakRssMiB: number;
  s3CpuMs: number;
  basesSha256: string;
  resultsBytes: number;
  /** Cores other processes used meanwhile. */
  othersCores: number;
}

async function throughWorker(s3: S3Process, layout: FarmLayout): Promise<WorkerRun> {
  const prefix = `bench-api-agg-${randomBytes(5).toString('hex')}`;
  onCleanup('queues', () => dropPrefix(REDIS_URL, prefix));
  const env = {
    ...farmEnv({
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      s3Endpoint: s3.endpoint,
      bucket: s3.bucket,
    }),
    WORKER_QUEUES: 'aggregate',
    BOOTSTRAP_REPLICATES: String(BOOTSTRAP),
  };
  const worker = startApp(WORKER_MAIN, env);
  onCleanup('worker', () => stopApp(worker));
  await worker.waitFor(/"worker started"/, 60_000);
  await sleep(1000);
  const pid = worker.child.pid!;
  const rssBefore = rssMiB(pid) ?? NaN;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Aggregate, { connection: redis, prefix });
  onCleanup('queue client', async () => {
    await queue.close();
    redis.disconnect();
  });
  const id = `s-bench-${randomBytes(6).toString('hex')}`;
  const spec = syntheticSpec(syntheticShape(), s3.bucket, TENANT, id);
  const resultsKey = layout.searchKey(TENANT, id, 'results');
  const ours = { worker: pid, s3rver: s3.pid, bench: process.pid, parent: process.ppid };
  for (let waited = 0; waited < 60; waited++) {
    const quiet = cpuWindow(ours);
    await sleep(1000);
    if (quiet().othersCores <= 0.2) break;
  }
  const others = cpuWindow(ours);
  const cpu0 = processCpuMs(pid) ?? 0;
  const s3cpu0 = processCpuMs(s3.pid) ?? 0;
  const t0 = performance.now();
  await putSearchSpec(s3.client, s3.bucket, layout, spec);
  const jobId = aggregateJobId(TENANT, id);
  await queue.add(
    JobName[QueueName.Aggregate],
    { v: 1, tenant: TENANT, searchId: id },
    { ...DEFAULT_JOB_OPTIONS, jobId },
  );
  const deadline = Date.now() + 15 * 60_000;
  let resultsAt: number | undefined;
  for (;;) {
    if (resultsAt === undefined) {
      try {
        await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: resultsKey }));
        resultsAt = performance.now();
      } catch {
        // not there yet
      }
    }
    const state = await queue.getJobState(jobId);
    if (state === 'failed') {
      const job = await queue.getJob(jobId);
      throw new Error(
        `aggregate job failed: ${job?.failedReason}\n${worker.lines.slice(-20).join('\n')}`,
      );
    }
    if (state === 'completed' && resultsAt !== undefined) break;
    if (Date.now() > deadline)
      throw new Error(
        `aggregate job still ${state} after 15 min\n${worker.lines.slice(-20).join('\n')}`,
      );
    await sleep(100);
  }
  const completedAt = performance.now();
  const othersCores = others().othersCores;
  const job = (await queue.getJob(jobId))!;
  const workerCpuMs = (processCpuMs(pid) ?? 0) - cpu0;
  const s3CpuMs = (processCpuMs(s3.pid) ?? 0) - s3cpu0;
  const peak = peakRssMiB(pid) ?? NaN;
  const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: resultsKey }));
  const text = await out.Body!.transformToString();
  const results = JSON.parse(text) as SearchResultsDocument;
  return {
    env: { WORKER_QUEUES: 'aggregate', BOOTSTRAP_REPLICATES: String(BOOTSTRAP) },
    submitToResultsMs: resultsAt - t0,
    submitToCompletedMs: completedAt - t0,
    addToActiveMs: job.processedOn! - job.timestamp,
    activeToCompletedMs: job.finishedOn! - job.processedOn!,
    workerCpuMs,
    workerRssBeforeMiB: rssBefore,
    workerPeakRssMiB: peak,
    s3CpuMs,
    basesSha256: createHash('sha256').update(JSON.stringify(results.bases)).digest('hex'),
    resultsBytes: Buffer.byteLength(text),
    othersCores,
  };
}

async function main(): Promise<number> {
  const missing = requireBuilt();
  if (missing) {
    console.error(missing);
    return 2;
  }
  const started = performance.now();
  const prov = provenance();
  {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    prov.redis = await redisVersion(redis);
    redis.disconnect();
  }
  const shape = syntheticShape();
  const models = syntheticModels(shape);
  const samples = shape.shardsPerSplit * shape.samplesPerShard;
  console.log(
    `api aggregation bench — ${prov.cpu}, ${prov.cores} cores, Node ${prov.node}, git ${prov.gitSha}${prov.gitDirty ? ' (uncommitted changes)' : ''}`,
  );
  console.log(
    `${shape.models} models × ${samples} samples per split (${shape.shardsPerSplit} shards × ${shape.samplesPerShard}), ${RUNS} runs after one warm-up`,
  );
  const s3 = await startS3Process();
  const layout = new FarmLayout('farm');
  console.log('writing the synthetic records …');
  const written = await writeSyntheticRecords(s3.client, s3.bucket, layout, shape, console.log);
  console.log(
    `  ${written.records} records, ${f1(written.bytes / 2 ** 20)} MiB (generate + encode ${f1(written.generateMs / 1000)} s, upload ${f1(written.uploadMs / 1000)} s)`,
  );

  const measured: MeasureReply[] = [];
  for (const [kind, replicates] of [
    ['e2e', BOOTSTRAP],
    ['e2e', 0],
    ['phases', BOOTSTRAP],
  ] as const) {
    console.log(`in-process ${kind}, bootstrap ${replicates} …`);
    measured.push(await measureInChild(s3, kind, replicates));
  }
  console.log('through the worker …');
  const worker = await throughWorker(s3, layout);
  console.log(
    `  submit → results.json ${f0(worker.submitToResultsMs)} ms (worker CPU ${f0(worker.workerCpuMs)} ms, peak RSS ${f0(worker.workerPeakRssMiB)} MiB)`,
  );

  const e2e200 = measured[0];
  const e2e0 = measured[1];
  const phases = measured[2];
  const sameAsInProcess = worker.basesSha256 === e2e200.basesSha256;
  const summary = (t: RunTiming[]) => ({
    othersCores: stats(t.map((r) => r.othersCores)),
    wallMs: stats(t.map((r) => r.wallMs)),
    cpuMs: stats(t.map((r) => r.cpuMs)),
    s3CpuMs: stats(t.map((r) => r.s3CpuMs)),
  });
  const rows = [
    {
      name: `aggregateSearch end to end, bootstrap ${BOOTSTRAP} replicates`,
      ...summary(e2e200.runs.aggregateSearch),
      peakRssMiB: e2e200.peakRssMiB,
    },
    {
      name: 'aggregateSearch end to end, no bootstrap',
      ...summary(e2e0.runs.aggregateSearch),
      peakRssMiB: e2e0.peakRssMiB,
    },
    {
      name: `phase: fetch only (${phases.records?.count} GETs, ${f1((phases.records?.bytes ?? 0) / 2 ** 20)} MiB)`,
      ...summary(phases.runs.fetch),
    },
    {
      name: 'phase: loading outcomes (fetch + decode + merge shards + align + prepare, both splits)',
      ...summary(phases.runs.loadOutcomes),
    },
    {
      name: `phase: buildSearchReport, bootstrap ${BOOTSTRAP} replicates`,
      ...summary(phases.runs[`buildSearchReport:${BOOTSTRAP}`]),
    },
    {
      name: 'phase: buildSearchReport, no bootstrap',
      ...summary(phases.runs['buildSearchReport:0']),
      peakRssMiB: phases.peakRssMiB,
    },
  ];
  const benchSeconds = (performance.now() - started) / 1000;
  const accuracy = written.accuracy;
  const json = {
    provenance: { ...prov, benchSeconds: Math.round(benchSeconds) },
    data: {
      models: shape.models,
      classes: shape.classes,
      samplesPerSplit: samples,
      shardsPerSplit: shape.shardsPerSplit,
      samplesPerShard: shape.samplesPerShard,
      topK: 5,
      seed: shape.seed,
      macs: { min: models[0].macs, max: models[models.length - 1].macs },
      accuracy,
      meanTop1Probability: written.meanConfidence,
      saturatedShare: written.saturated,
      records: written.records,
      recordBytes: written.bytes,
      generateMs: written.generateMs,
      uploadMs: written.uploadMs,
    },
    search: {
      bases: shape.models,
      pairs: (shape.models * (shape.models - 1)) / 2,
      savers: 'all-cheaper (base i: models 0..i-1)',
      topK: 5,
      budgets: [0.01, 0.5, 1],
      chains: true,
    },
    units: 'ms (wall and CPU), MiB (RSS)',
    runs: RUNS,
    rows,
    inProcess: measured,
    worker: { ...worker, sameBasesAsInProcess: sameAsInProcess },
  };
  writeFileSync(join(RESULTS, 'api-aggregation.json'), JSON.stringify(json, null, 2) + '\n');

  const s = (ms: number) => f2(ms / 1000);
  const md = [
    '# Aggregating a 20 × 20 search on 50,000 samples',
    '',
    `${prov.cpu}, ${prov.cores} cores, ${prov.memoryGiB} GiB; Node ${prov.node}, BullMQ ${prov.bullmq}, Redis ${prov.redis}; git ${prov.gitSha}${prov.gitDirty ? ' (uncommitted changes)' : ''}; ${prov.date.slice(0, 10)}. s3rver in its own process on the same machine.`,
    '',
    `Data (seeded, bench/api/synthetic-search.ts): ${shape.models} models, MACs ${models[0].macs.toExponential(1)} … ${models[models.length - 1].macs.toExponential(1)} (log-spaced), ${shape.classes} classes, top-5 records; selection and evaluation ${f0(samples)} samples each as ${shape.shardsPerSplit} shards × ${f0(shape.samplesPerShard)}. Top-1 accuracy on selection ${f1(accuracy[0].selection * 100)} % (cheapest) … ${f1(accuracy[accuracy.length - 1].selection * 100)} % (largest); mean top-1 probability ${f2(written.meanConfidence.right)} where right, ${f2(written.meanConfidence.wrong)} where wrong; ${f1(written.saturated * 100)} % exactly 1.0. ${written.records} records, ${f1(written.bytes / 2 ** 20)} MiB (generate + encode ${f1(written.generateMs / 1000)} s, upload ${f1(written.uploadMs / 1000)} s).`,
    '',
    `Search: every model a base with all cheaper models as savers (${(shape.models * (shape.models - 1)) / 2} pairs), top 5, budgets 0.01 / 0.5 / 1 points, chains; bootstrap intervals (seed 1, 95 %) for each base's rank-1 saver.`,
    '',
    `## In process (the built worker's aggregateSearch; median of ${RUNS} after one warm-up)`,
    '',
    '| measurement | runs | min s | median s | max s | CPU s (median) | s3rver CPU s (median) | peak RSS MiB | others’ CPU, max (cores) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.wallMs.runs} | ${s(r.wallMs.min)} | **${s(r.wallMs.median)}** | ${s(r.wallMs.max)} | ${s(r.cpuMs.median)} | ${s(r.s3CpuMs.median)} | ${'peakRssMiB' in r && r.peakRssMiB ? f0(r.peakRssMiB) : ''} | ${f2(r.othersCores.max)} |`,
    ),
    '',
    `Peak RSS is the measuring process's maxRSS over its warm-up and runs (RSS ${f0(e2e200.rssBeforeMiB)} MiB before the first run); the phases' figure is for their whole process (fetch, loading and both reports). CPU counts this process's threads; s3rver's CPU (serving the records) is measured apart from /proc. Before each run the bench waited (at most 120 s per process in all) until other processes used at most 0.2 cores; the last column is what they used during the runs (others on this shared machine slow the figures down).`,
    '',
    '## Through the worker (once)',
    '',
    '| measurement | value |',
    '| --- | ---: |',
    `| submit (search.json + live marker written, aggregate job added) → results.json exists | **${s(worker.submitToResultsMs)} s** |`,
    `| submit → job completed (status.json written, live marker removed) | ${s(worker.submitToCompletedMs)} s |`,
    `| BullMQ: added → taken by the worker | ${s(worker.addToActiveMs)} s |`,
    `| BullMQ: taken → completed (list records, aggregation thread, results + status written) | ${s(worker.activeToCompletedMs)} s |`,
    `| worker process CPU during the job | ${s(worker.workerCpuMs)} s |`,
    `| s3rver CPU during the job | ${s(worker.s3CpuMs)} s |`,
    `| worker RSS before → peak (VmHWM, whole process) | ${f0(worker.workerRssBeforeMiB)} → ${f0(worker.workerPeakRssMiB)} MiB |`,
    `| other processes' CPU meanwhile | ${f2(worker.othersCores)} cores |`,
    `| results.json | ${f0(worker.resultsBytes / 1024)} KiB; bases identical to the in-process run: ${sameAsInProcess ? 'yes ✔' : 'NO ✘'} |`,
    '',
    `Worker: the built apps/worker/dist/main.js, WORKER_QUEUES=aggregate, BOOTSTRAP_REPLICATES=${BOOTSTRAP} (its default), its own queue prefix on the local Redis; the results are polled every 100 ms (HEAD), so the first row is ±0.1 s.`,
    '',
    `Bench runtime ${f0(benchSeconds)} s.`,
    '',
  ].join('\n');
  writeFileSync(join(RESULTS, 'api-aggregation.md'), md);
  console.log(`\n${md}`);
  if (!sameAsInProcess) {
    console.error("FAILED: the worker's results differ from the in-process aggregation");
    return 1;
  }
  return 0;
}

runBench('api-aggregation', Number(process.env.BENCH_API_LIMIT_S ?? 2400) * 1000, main);
