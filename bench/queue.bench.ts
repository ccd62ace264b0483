// Issue "Queue and fan-out": trivial jobs through BullMQ on the local Redis (enqueue, complete,
// both at once) — goal ≥ 1,000 jobs/s — and the time one search of 1,281 shards × 10 models
// (ImageNet train in 1,000-image shards) takes to be queued, to show the queue is not what
// limits a large fleet.
//
//   npx nx build worker     # the fan-out calls the built aggregate processor
//   npx tsx --conditions=development bench/queue.bench.ts
//
// Needs the local Redis (127.0.0.1:6379, or REDIS_URL); starts s3rver (own process) for the
// fan-out. Every run uses a fresh queue prefix, removed afterwards, also on failure, Ctrl-C or
// the watchdog (10 min). Smoke run (results are printed, not written):
//   BENCH_QUEUE_JOBS=2000 BENCH_QUEUE_SHARDS=100 BENCH_RUNS=1 npx tsx --conditions=development bench/queue.bench.ts
// Writes bench/results/queue.{json,md}. Exits 1 when end to end misses the goal.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from '@tinysaver/contracts';
import {
  f0,
  provenance,
  redisPid,
  redisVersion,
  REDIS_URL,
  RESULTS,
  runBench,
  startS3Process,
  stats,
  version,
  WORKER_DIST,
} from './api/common';
import { measureFanOut, measureFanOutBulk, prepareFanOut } from './queue/fan-out';
import { IMAGENET_SEARCH } from './queue/imagenet-search';
import {
  fanOutTable,
  GOAL_JOBS_PER_S,
  headline,
  markdown,
  throughputTable,
  type QueueBenchResults,
} from './queue/report';
import { MAX_OTHERS_CORES, RunDiscipline } from './queue/runs';
import {
  measureComplete,
  measureEndToEnd,
  measureEnqueue,
  type CompleteRun,
  type EndToEndRun,
  type EnqueueRun,
  type ThroughputContext,
} from './queue/throughput';
import { describeMode, type EnqueueMode } from './queue/trivial-jobs';

const env = process.env;
const JOBS = Number(env.BENCH_QUEUE_JOBS ?? 20_000);
const RUNS = Number(env.BENCH_RUNS ?? 3);
const CONCURRENCIES = (env.BENCH_QUEUE_CONCURRENCY ?? '1,10,50').split(',').map(Number);
const SEARCH = {
  models: Number(env.BENCH_QUEUE_MODELS ?? IMAGENET_SEARCH.models),
  shards: Number(env.BENCH_QUEUE_SHARDS ?? IMAGENET_SEARCH.shards),
};
const ENQUEUE_MODES: EnqueueMode[] = [
  { kind: 'add', inFlight: 1 },
  { kind: 'add', inFlight: 50 },
  { kind: 'addBulk', chunk: 1000 },
];
/** End to end as a busy API meets it: many requests each adding one job, a worker taking 50. */
const END_TO_END = { concurrency: 50, mode: { kind: 'add', inFlight: 50 } as EnqueueMode };
// Waiting for other sessions to quieten (whole bench) and repeating runs they disturbed (each of
// the four sections): at most ~2.5 min on top of ~2.5 min of undisturbed runs.
const QUIET_BUDGET_MS = 60_000;
const REPEAT_BUDGET_MS = 25_000;
/** Only the sizes are written to bench/results. */
const FULL_RUN =
  JOBS === 20_000 &&
  RUNS >= 3 &&
  SEARCH.models === IMAGENET_SEARCH.models &&
  SEARCH.shards === IMAGENET_SEARCH.shards;

async function main(): Promise<number> {
  const began = performance.now();
  const processorJs = join(WORKER_DIST, 'jobs', 'aggregate.processor.js');
  if (!existsSync(processorJs)) {
    console.error(`${processorJs} is missing: build first (npx nx build worker).`);
    return 1;
  }
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const pid = await redisPid(redis);
  const prov = { ...provenance(), ioredis: version('ioredis'), redis: await redisVersion(redis) };
  redis.disconnect();
  const discipline = new RunDiscipline(pid, QUIET_BUDGET_MS, REPEAT_BUDGET_MS);
  const ctx: ThroughputContext = { redisUrl: REDIS_URL, jobs: JOBS, discipline };
  console.log(`queue.bench: ${headline({ provenance: prov } as QueueBenchResults)}`);
  console.log(
    `${f0(JOBS)} jobs per run, ${RUNS} runs; Redis pid ${pid ?? 'not local (no CPU figures)'}`,
  );

  // Warm-up (not recorded): Lua scripts loaded, this process's add paths compiled.
  for (const mode of ENQUEUE_MODES)
    await measureEnqueue({ ...ctx, jobs: Math.min(JOBS, 2000) }, mode);

  // Runs interleaved (run r of every subject in turn), so background load meets all alike.
  discipline.newSection();
  const enqueue = ENQUEUE_MODES.map((mode) => ({
    mode,
    label: describeMode(mode),
    runs: [] as EnqueueRun[],
  }));
  for (let r = 1; r <= RUNS; r++)
    for (const m of enqueue) {
      const run = await discipline.attempt(m.label, () => measureEnqueue(ctx, m.mode));
      m.runs.push(run);
      log(`enqueue ${m.label} ${r}/${RUNS}`, run.jobsPerS, run.window.othersCores);
    }
  discipline.newSection();
  const complete = CONCURRENCIES.map((concurrency) => ({ concurrency, runs: [] as CompleteRun[] }));
  for (let r = 1; r <= RUNS; r++)
    for (const m of complete) {
      const label = `complete, concurrency ${m.concurrency}`;
      const run = await discipline.attempt(label, () => measureComplete(ctx, m.concurrency));
      m.runs.push(run);
      log(`${label} ${r}/${RUNS}`, run.jobsPerS, run.window.othersCores);
    }
  discipline.newSection();
  const e2eLabel = `producer process (${describeMode(END_TO_END.mode)}) + worker process (concurrency ${END_TO_END.concurrency})`;
  const endToEnd = { label: e2eLabel, runs: [] as EndToEndRun[] };
  for (let r = 1; r <= RUNS; r++) {
    const run = await discipline.attempt('end to end', () =>
      measureEndToEnd(ctx, END_TO_END.concurrency, END_TO_END.mode),
    );
    endToEnd.runs.push(run);
    log(`end to end ${r}/${RUNS}`, run.jobsPerS, run.window.othersCores);
  }

  const s3 = await startS3Process();
  const setup = await prepareFanOut(s3, SEARCH);
  // Warm-up turn (not recorded): the processor's and the S3 client's first calls.
  await measureFanOut(REDIS_URL, discipline, setup, s3.pid);
  discipline.newSection();
  const fanOut = { specBytes: setup.specBytes, runs: [], bulk: [] } as QueueBenchResults['fanOut'];
  for (let r = 1; r <= RUNS; r++) {
    const run = await discipline.attempt('fan-out', () =>
      measureFanOut(REDIS_URL, discipline, setup, s3.pid),
    );
    fanOut.runs.push(run);
    console.log(
      `  fan-out ${r}/${RUNS}: listing ${run.listingMs.toFixed(0)} ms, enqueue ${run.enqueueMs.toFixed(0)} ms (${f0(run.jobsPerS)} jobs/s), total ${run.totalMs.toFixed(0)} ms; others ${run.window.othersCores.toFixed(2)} cores`,
    );
    const bulk = await discipline.attempt('fan-out addBulk', () =>
      measureFanOutBulk(REDIS_URL, discipline, setup),
    );
    fanOut.bulk.push(bulk);
  }
  await s3.stop();

  const results: QueueBenchResults = {
    provenance: prov,
    config: {
      jobs: JOBS,
      runs: RUNS,
      maxOthersCores: MAX_OTHERS_CORES,
      jobOptions: DEFAULT_JOB_OPTIONS,
      endToEnd: e2eLabel,
      search: SEARCH,
    },
    enqueue: enqueue.map(({ label, runs }) => ({ label, runs })),
    complete,
    endToEnd: [endToEnd],
    fanOut,
    waitedForQuietS: discipline.waitedMs / 1000,
    repeatedS: discipline.repeatedMs / 1000,
  };
  results.runtimeS = (performance.now() - began) / 1000;
  console.log(
    ['', headline(results), '', ...throughputTable(results), '', ...fanOutTable(results), ''].join(
      '\n',
    ),
  );
  if (FULL_RUN) {
    writeFileSync(join(RESULTS, 'queue.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(RESULTS, 'queue.md'), markdown(results));
    console.log('wrote bench/results/queue.{json,md}');
  } else console.log('smoke run (sizes changed): bench/results not written');
  console.log(`runtime ${results.runtimeS.toFixed(0)} s`);

  const e2e = stats(endToEnd.runs.map((r) => r.jobsPerS)).median;
  if (e2e < GOAL_JOBS_PER_S) {
    console.error(`goal missed: end to end ${f0(e2e)} jobs/s < ${f0(GOAL_JOBS_PER_S)}`);
    return 1;
  }
  return 0;
}

function log(label: string, jobsPerS: number, othersCores: number): void {
  console.log(`  ${label}: ${f0(jobsPerS)} jobs/s; others ${othersCores.toFixed(2)} cores`);
}

runBench('queue.bench', 10 * 60_000, main);
