// Issue "REST API": GET /v1/searches/{id} p99 latency under 500 requests/s on loopback
// (autocannon) while a worker is busy and a large aggregation runs — target p99 ≤ 50 ms.
//
//   npm run bench:api      # builds api + worker, runs aggregation.bench.ts and this
//   npx tsx --conditions=development bench/api/latency.bench.ts      # after the build
//
// One throwaway farm on 127.0.0.1: s3rver (own process), the local Redis under a unique queue
// prefix, the built API (apps/api/dist, child process, with bench/api/event-loop-probe.cjs
// preloaded) and the built worker (child process). The zoo models (fixtures/zoo) and the
// fashion-mnist shards (×BENCH_API_BUSY_COPIES distinct copies) are registered through REST;
// the synthetic 20 × 20 × 50,000 search of aggregation.bench.ts is written to S3 and aggregated
// once (a completed search, C). With the worker stopped, a search over all zoo models on the
// busy datasets is submitted (S: its records do not exist yet) and the quiet baseline is taken;
// then the worker starts, works through S's records jobs, and synthetic aggregations run back to
// back (one aggregate job at a time, each in the worker's aggregation thread) while the loaded
// windows are measured. Per window: autocannon (overallRate 500, 20 connections, 30 s, Bearer key)
// on GET /v1/searches/S (live: status from the aggregate job — BullMQ getJob + getState, Redis
// EXISTS — unless the API serves a recent read from memory) and /C (ended: memory only), and a
// paced open-loop client at 500/s on S; CPU per process from /proc, the API's own request
// histogram (/metrics), its event-loop delay, how often it read a status from Redis (INFO
// commandstats), and the latency of the same Redis calls from outside. Before and after each
// loaded window the bench samples the jobs, and afterwards computes from BullMQ's stamps what share
// of the window a records job and an aggregation were running. A quiet window is profiled (V8 CPU
// profile of the API), and when the loaded p99 misses the target one more loaded window; last, the
// worker's threads are set to nice 10 and S measured again (an experiment: a deployment setting).
// Writes bench/results/api-latency.{json,md}.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { distinctShardCopies } from '../worker/shard-copies';
import {
  aggregateJobId,
  DEFAULT_JOB_OPTIONS,
  JobName,
  QueueName,
  searchCancelledKey,
  type SearchProgress,
} from '@tinysaver/contracts';
import { FarmLayout } from '@tinysaver/storage';
import { farmEnv, startApp, type AppProcess } from '@tinysaver/testkit';
import {
  API_MAIN,
  cpuWindow,
  dropPrefix,
  f0,
  f1,
  f2,
  onCleanup,
  percentile,
  provenance,
  REDIS_URL,
  redisPid,
  redisVersion,
  requireBuilt,
  RESULTS,
  ROOT,
  runBench,
  sleep,
  startS3Process,
  stats,
  version,
  WORKER_MAIN,
  type S3Process,
  type Stats,
} from './common';
import { summarizeProfile, type ProfileSummary } from './cpu-profile';
import { runAutocannon, runPaced, summarize, type LatencySummary, type LoadResult } from './load';
import {
  putSearchSpec,
  syntheticShape,
  syntheticSpec,
  writeSyntheticRecords,
} from './synthetic-search';

const RATE = Number(process.env.BENCH_API_RATE ?? 500);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 20);
const SECONDS = Number(process.env.BENCH_API_DURATION_S ?? 30);
const PROFILE_SECONDS = Number(process.env.BENCH_API_PROFILE_S ?? 15);
/** Each fixture shard uploaded this many times (distinct bytes): the busy search's work. */
const COPIES = Number(process.env.BENCH_API_BUSY_COPIES ?? 4);
const TARGET_P99_MS = 50;
/** A window during which other processes used more cores than this is repeated. */
const MAX_OTHERS = Number(process.env.BENCH_API_MAX_OTHERS ?? 0.2);
const MAX_ATTEMPTS = 3;
/** Seconds to wait, before each window, for other processes to quieten down. */
const QUIET_WAIT_S = Number(process.env.BENCH_API_QUIET_WAIT_S ?? 90);
const TENANT = 'bench';
const KEY = `bench-key-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `bench-admin-${randomBytes(12).toString('hex')}`;
const AUTH = `Bearer ${KEY}`;
const FIXTURES = join(ROOT, 'fixtures');
const ROUTE = '/v1/searches/:id';

// ---------------------------------------------------------------- small helpers

async function stopApp(app: AppProcess): Promise<void> {
  const killer = setTimeout(() => void app.kill('SIGKILL'), 15_000);
  await app.kill('SIGTERM');
  clearTimeout(killer);
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

interface Api {
  url: string;
  app: AppProcess;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  metrics(): Promise<string>;
}

function apiClient(url: string, app: AppProcess): Api {
  return {
    url,
    app,
    async call(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: {
          authorization: AUTH,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    },
    async metrics() {
      const res = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
      return res.text();
    },
  };
}

/** The request-duration histogram of one route in Prometheus text: cumulative counts by le. */
function routeHistogram(text: string) {
  const buckets = new Map<string, number>();
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('tinysaver_http_request_duration_seconds')) continue;
    const labels = new Map(
      [...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (labels.get('route') !== ROUTE || labels.get('method') !== 'GET') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('tinysaver_http_request_duration_seconds_bucket'))
      buckets.set(labels.get('le')!, value);
    else if (line.startsWith('tinysaver_http_request_duration_seconds_sum')) sum = value;
    else if (line.startsWith('tinysaver_http_request_duration_seconds_count')) count = value;
  }
  return { buckets, sum, count };
}

interface ServerSide {
  requests: number;
  meanMs: number;
  /** Share of requests the API itself finished within each bound (ms), from its histogram. */
  within: Record<string, number>;
}

function serverSide(before: string, after: string): ServerSide {
  const a = routeHistogram(before);
  const b = routeHistogram(after);
  const requests = b.count - a.count;
  const within: Record<string, number> = {};
  for (const [le, n] of b.buckets) {
    if (le === '+Inf') continue;
    const ms = Number(le) * 1000;
    if (ms > 250) continue;
    within[`${ms}`] = requests > 0 ? (n - (a.buckets.get(le) ?? 0)) / requests : NaN;
  }
  return { requests, meanMs: requests > 0 ? ((b.sum - a.sum) / requests) * 1000 : NaN, within };
}

interface EventLoop {
  seconds: number;
  meanMs: number;
  /** Worst per-second p99 and max of the API's event-loop delay. */
  worstP99Ms: number;
  maxMs: number;
  medianP99Ms: number;
}

function eventLoop(lines: readonly string[], from: number, to: number): EventLoop {
  const samples = lines
    .filter((l) => l.includes('"probe":"event-loop"'))
    .map((l) => JSON.parse(l) as { at: number; meanMs: number; p99Ms: number; maxMs: number })
    // Lines are stamped at the end of their second.
    .filter((s) => s.at > from + 1000 && s.at <= to);
  const p99s = samples.map((s) => s.p99Ms).sort((a, b) => a - b);
  return {
    seconds: samples.length,
    meanMs: samples.reduce((n, s) => n + s.meanMs, 0) / Math.max(1, samples.length),
    worstP99Ms: p99s[p99s.length - 1] ?? NaN,
    medianP99Ms: percentile(p99s, 50),
    maxMs: Math.max(...samples.map((s) => s.maxMs)),
  };
}

/** Calls of one Redis command so far (INFO commandstats; counts every client of the server). */
async function commandCalls(redis: Redis, command: string): Promise<number> {
  const info = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

/** From outside the API: the Redis calls its status path makes, timed at ~10/s. */
function redisProbe(queue: Queue, redis: Redis, jobId: string, cancelKey: string) {
  const totals: number[] = [];
  const getJob: number[] = [];
  const getState: number[] = [];
  const exists: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      // Never an unhandled rejection (a cleanup closing the connection mid-call).
      if (redis.status !== 'ready') break;
      const t0 = performance.now();
      const job = await queue.getJob(jobId);
      const t1 = performance.now();
      await job?.getState();
      const t2 = performance.now();
      await redis.exists(cancelKey);
      const t3 = performance.now();
      getJob.push(t1 - t0);
      getState.push(t2 - t1);
      exists.push(t3 - t2);
      totals.push(t3 - t0);
      await sleep(100);
    }
  })().catch(() => undefined);
  return async () => {
    stopped = true;
    await loop;
    return {
      samples: totals.length,
      total: summarize(totals),
      getJob: summarize(getJob),
      getState: summarize(getState),
      exists: summarize(exists),
    };
  };
}

/** Share of [from, to] covered by the union of intervals. */
function coverage(intervals: readonly [number, number][], from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let end = from;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    covered += b - Math.max(a, end);
    end = b;
  }
  return to > from ? covered / (to - from) : 0;
}

/** Sets the nice value of every thread of a process (setpriority acts per thread on Linux). */
function renice(pid: number, nice: number): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
      n++;
    } catch {
      // the thread ended
    }
  }
  return n;
}

// ---------------------------------------------------------------- the aggregation chain

interface ChainJob {
  searchId: string;
  addedAt: number;
  processedOn?: number;
  finishedOn?: number;
  state?: string;
}

/** Synthetic searches aggregated back to back: the next is submitted when one completes. */
class AggregationChain {
  readonly jobs: ChainJob[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly s3: S3Process,
    private readonly layout: FarmLayout,
    private readonly queue: Queue,
  ) {}

  get current(): ChainJob | undefined {
    const last = this.jobs[this.jobs.length - 1];
    return last && last.finishedOn === undefined ? last : undefined;
  }

  /** Submits one synthetic search and resolves when its job completed (throws if it failed). */
  async once(timeoutMs: number): Promise<ChainJob> {
    const searchId = `s-bench-${randomBytes(6).toString('hex')}`;
    const spec = syntheticSpec(syntheticShape(), this.s3.bucket, TENANT, searchId);
    const entry: ChainJob = { searchId, addedAt: Date.now() };
    this.jobs.push(entry);
    await putSearchSpec(this.s3.client, this.s3.bucket, this.layout, spec);
    const jobId = aggregateJobId(TENANT, searchId);
    await this.queue.add(
      JobName[QueueName.Aggregate],
      { v: 1, tenant: TENANT, searchId },
      { ...DEFAULT_JOB_OPTIONS, jobId },
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.queue.getJobState(jobId);
      entry.state = state;
      if (state === 'completed' || state === 'failed') {
        const job = await this.queue.getJob(jobId);
        entry.processedOn = job?.processedOn;
        entry.finishedOn = job?.finishedOn ?? Date.now();
        if (state === 'failed')
          throw new Error(`synthetic aggregation failed: ${job?.failedReason}`);
        return entry;
      }
      if (entry.processedOn === undefined && state === 'active')
        entry.processedOn = (await this.queue.getJob(jobId))?.processedOn;
      if (this.stopped || Date.now() > deadline) return entry;
      await sleep(250);
    }
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) await this.once(15 * 60_000);
    })();
    this.loop.catch((error: unknown) => console.error(`aggregation chain: ${String(error)}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.catch(() => undefined);
  }

  /** [processedOn, finishedOn or now] of every aggregation taken by the worker. */
  intervals(now = Date.now()): [number, number][] {
    return this.jobs
      .filter((j) => j.processedOn !== undefined)
      .map((j) => [j.processedOn!, j.finishedOn ?? now]);
  }
}

// ---------------------------------------------------------------- windows

type Condition = 'quiet' | 'loaded';

interface FarmSample {
  at: number;
  records: Record<string, number>;
  busySearch: { status: string; progress?: unknown; jobState: string };
  aggregation?: { searchId: string; jobState: string; progress?: unknown };
  aggregationsCompleted: number;
}

interface Window {
  label: string;
  condition: Condition;
  target: 'S (running)' | 'C (completed)';
  load: LoadResult;
  cpu: ReturnType<ReturnType<typeof cpuWindow>>;
  /** API CPU per response (ms). */
  apiCpuMsPerRequest: number;
  serverSide: ServerSide;
  eventLoop: EventLoop;
  redis: Awaited<ReturnType<ReturnType<typeof redisProbe>>>;
  /**
   * How often the API read a live search's state from Redis (its EXISTS calls per second, from
   * INFO commandstats less the probe's; other clients of the same Redis would add to it).
   */
  statusReadsPerSecond: number;
  before: FarmSample;
  after: FarmSample;
  /** Loaded windows: share of the window a records job / an aggregation was running. */
  recordsCoverage?: number;
  aggregationCoverage?: number;
  profile?: ProfileSummary;
  /** Tries it took to get a window others did not disturb (≤ MAX_ATTEMPTS). */
  attempts: number;
}

async function main(): Promise<number> {
  const missing = requireBuilt();
  if (missing) {
    console.error(missing);
    return 2;
  }
  const started = performance.now();
  const prov = provenance();
  console.log(
    `api latency bench — ${prov.cpu}, ${prov.cores} cores, Node ${prov.node}, git ${prov.gitSha}${prov.gitDirty ? ' (uncommitted changes)' : ''}`,
  );
  const s3 = await startS3Process();
  const layout = new FarmLayout('farm');
  const prefix = `bench-api-lat-${randomBytes(5).toString('hex')}`;
  onCleanup('queues', () => dropPrefix(REDIS_URL, prefix));
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const aggregateQueue = new Queue(QueueName.Aggregate, { connection: redis, prefix });
  const recordsQueue = new Queue(QueueName.Records, { connection: redis, prefix });
  onCleanup('queue clients', async () => {
    await aggregateQueue.close();
    await recordsQueue.close();
    redis.disconnect();
  });
  prov.redis = await redisVersion(redis);
  const redisServerPid = await redisPid(redis);
  const env = farmEnv({
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    s3Endpoint: s3.endpoint,
    bucket: s3.bucket,
  });
  const profileDir = mkdtempSync(join(tmpdir(), 'tinysaver-api-profile-'));
  onCleanup('profile dir', () =>
    Promise.resolve(rmSync(profileDir, { recursive: true, force: true })),
  );

  // The API, with the probe preloaded.
  const apiEnv = {
    ...env,
    PORT: '0',
    HOST: '127.0.0.1',
    API_KEYS: `${TENANT}:${KEY}`,
    ADMIN_KEYS: ADMIN_KEY,
    WRITES_PER_MINUTE: '100000',
    NODE_OPTIONS: `--require ${join(__dirname, 'event-loop-probe.cjs')}`,
    BENCH_PROFILE_DIR: profileDir,
  };
  const apiApp = startApp(API_MAIN, apiEnv);
  onCleanup('api', () => stopApp(apiApp));
  let apiExpectedExit = false;
  void apiApp.exited.then(({ code, signal }) => {
    if (!apiExpectedExit)
      console.error(
        `the API exited (code ${code}, signal ${signal}):\n${apiApp.lines
          .filter((l) => !l.includes('"probe"'))
          .slice(-30)
          .join('\n')}`,
      );
  });
  const listening = await apiApp.waitFor(/"api listening"/, 60_000);
  const url = (JSON.parse(listening) as { url: string }).url.replace('[::1]', '127.0.0.1');
  const api = apiClient(url, apiApp);
  console.log(`API at ${url}`);

  let worker = startApp(WORKER_MAIN, env);
  let stopWorker = onCleanup('worker', () => stopApp(worker));
  await worker.waitFor(/"worker started"/, 60_000);

  // Zoo models through REST (the worker profiles them).
  const zoo = (
    JSON.parse(readFileSync(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8')) as {
      models: { name: string; file: string; preprocess: unknown }[];
    }
  ).models;
  console.log(`registering ${zoo.length} zoo models …`);
  for (const model of zoo) {
    const key = `farm/uploads/${model.name}.onnx`;
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: readFileSync(join(FIXTURES, 'zoo', model.file)),
      }),
    );
    const res = await api.call('POST', '/v1/models', {
      name: model.name,
      uri: `s3://${s3.bucket}/${key}`,
      preprocess: model.preprocess,
    });
    if (res.status !== 202)
      throw new Error(`registering ${model.name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  await until(
    'zoo models ready',
    async () => {
      const res = await api.call('GET', '/v1/models');
      const models = (res.body as { models: { name: string; status: string }[] }).models;
      if (models.some((m) => m.status === 'invalid'))
        throw new Error(`a zoo model is invalid: ${JSON.stringify(models)}`);
      return models.length === zoo.length && models.every((m) => m.status === 'ready')
        ? true
        : undefined;
    },
    180_000,
    500,
  );

  // The busy datasets: each fixture shard and COPIES − 1 distinct copies of it.
  let busyShards = 0;
  for (const split of ['selection', 'evaluation'] as const) {
    const folder = `farm/datasets/busy-${split}`;
    const dir = join(FIXTURES, 'datasets', `fashion-mnist-${split}`);
    for (let i = 0; i < 4; i++) {
      const file = `${split}-${String(i).padStart(6, '0')}`;
      const bytes = readFileSync(join(dir, `${file}.tar.gz`));
      const bodies = [bytes, ...distinctShardCopies(bytes, COPIES - 1)];
      for (let c = 0; c < bodies.length; c++) {
        await s3.client.send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: `${folder}/${file}${c ? `-copy${c}` : ''}.tar.gz`,
            Body: bodies[c],
          }),
        );
        busyShards++;
      }
    }
    const res = await api.call('POST', '/v1/datasets', {
      name: `busy-${split}`,
      uri: `s3://${s3.bucket}/${folder}`,
      numClasses: 10,
    });
    if (res.status !== 201)
      throw new Error(`registering busy-${split}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  console.log(
    `registered busy-selection and busy-evaluation: ${busyShards} shards of 2,500 images`,
  );

  // The synthetic search's records, and one aggregation of it to completion: search C.
  console.log('writing the synthetic 20 × 20 × 50,000 records …');
  const shape = syntheticShape();
  const written = await writeSyntheticRecords(s3.client, s3.bucket, layout, shape);
  console.log(`  ${written.records} records, ${f1(written.bytes / 2 ** 20)} MiB`);
  const chain = new AggregationChain(s3, layout, aggregateQueue);
  console.log('aggregating it once (worker idle otherwise) …');
  const first = await chain.once(15 * 60_000);
  const quietAggregationMs = first.finishedOn! - first.processedOn!;
  console.log(`  ${f1(quietAggregationMs / 1000)} s (job taken → completed)`);
  const completedId = first.searchId;
  {
    const res = await api.call('GET', `/v1/searches/${completedId}`);
    if ((res.body as { status?: string }).status !== 'completed')
      throw new Error(`search C is not completed: ${JSON.stringify(res.body)}`);
  }

  // Stop the worker; submit S (nobody works on it yet).
  stopWorker();
  await stopApp(worker);
  const submitted = await api.call('POST', '/v1/searches', {
    bases: zoo.map((m) => m.name),
    selection: 'busy-selection',
    evaluation: 'busy-evaluation',
  });
  if (submitted.status !== 202)
    throw new Error(`submitting S: ${submitted.status} ${JSON.stringify(submitted.body)}`);
  const busyId = (submitted.body as { id: string }).id;
  const busyJobId = aggregateJobId(TENANT, busyId);
  const cancelKey = searchCancelledKey(prefix, busyJobId);
  console.log(`S = ${busyId} (${zoo.length} models × ${busyShards} shards), C = ${completedId}`);

  const sample = async (): Promise<FarmSample> => {
    const view = (await api.call('GET', `/v1/searches/${busyId}`)).body as {
      status: string;
      progress?: unknown;
    };
    const current = chain.current;
    let aggregation: FarmSample['aggregation'];
    if (current) {
      const job = await aggregateQueue.getJob(aggregateJobId(TENANT, current.searchId));
      aggregation = {
        searchId: current.searchId,
        jobState: job ? await job.getState() : 'missing',
        progress: job?.progress as SearchProgress | undefined,
      };
    }
    return {
      at: Date.now(),
      records: await recordsQueue.getJobCounts(
        'active',
        'waiting',
        'prioritized',
        'delayed',
        'completed',
        'failed',
      ),
      busySearch: {
        status: view.status,
        progress: view.progress,
        jobState: await aggregateQueue.getJobState(busyJobId),
      },
      aggregation,
      aggregationsCompleted: chain.jobs.filter((j) => j.state === 'completed').length,
    };
  };

  const windows: Window[] = [];
  const ourPids = () => ({
    api: apiApp.child.pid,
    worker: worker.child.exitCode === null ? worker.child.pid : undefined,
    s3rver: s3.pid,
    redis: redisServerPid,
    bench: process.pid,
  });
  /**
   * Waits (1 s samples, at most QUIET_WAIT_S) until, for 3 s running, others used at most
   * MAX_OTHERS cores and the API was idle.
   */
  let quietWaitMs = 0;
  const waitQuiet = async () => {
    const t0 = Date.now();
    let quietSeconds = 0;
    while (quietSeconds < 3 && Date.now() - t0 < QUIET_WAIT_S * 1000) {
      const stop = cpuWindow(ourPids());
      await sleep(1000);
      const used = stop();
      // Others quiet, and the API done with any backlog of the window before.
      quietSeconds =
        used.othersCores <= MAX_OTHERS && (used.cores.api ?? 0) <= 0.15 ? quietSeconds + 1 : 0;
    }
    quietWaitMs += Date.now() - t0;
  };
  /**
   * A window, repeated (at most MAX_ATTEMPTS) while other processes used more than MAX_OTHERS
   * cores in it; the least disturbed try is kept.
   */
  const measure = async (
    label: string,
    condition: Condition,
    target: Window['target'],
    tool: 'autocannon' | 'paced',
    options: { seconds?: number; profile?: boolean } = {},
  ): Promise<Window> => {
    let best: Window | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await waitQuiet();
      const w = await measureOnce(label, condition, target, tool, options);
      w.attempts = attempt;
      if (!best || w.cpu.othersCores < best.cpu.othersCores) best = { ...w, attempts: attempt };
      if (w.cpu.othersCores <= MAX_OTHERS || options.profile) break;
      console.log(`    others used ${f2(w.cpu.othersCores)} cores: again`);
    }
    windows.push(best!);
    return best!;
  };
  const measureOnce = async (
    label: string,
    condition: Condition,
    target: Window['target'],
    tool: 'autocannon' | 'paced',
    options: { seconds?: number; profile?: boolean } = {},
  ): Promise<Window> => {
    const seconds = options.seconds ?? SECONDS;
    const path = `/v1/searches/${target.startsWith('S') ? busyId : completedId}`;
    const before = await sample();
    const metricsBefore = await api.metrics();
    await sleep(1000);
    if (options.profile) {
      process.kill(apiApp.child.pid!, 'SIGWINCH');
      await apiApp.waitFor(/"profile-started"/, 10_000);
    }
    const cpu = cpuWindow(ourPids());
    const existsBefore = await commandCalls(redis, 'exists');
    const stopProbe = redisProbe(aggregateQueue, redis, busyJobId, cancelKey);
    const load =
      tool === 'autocannon'
        ? await runAutocannon({
            url: url + path,
            authorization: AUTH,
            rate: RATE,
            connections: CONNECTIONS,
            seconds,
          })
        : await runPaced({ url: url + path, authorization: AUTH, rate: RATE, seconds });
    const cpuUse = cpu();
    const redisLatency = await stopProbe();
    // The API's status reads from Redis: its EXISTS calls (one per read of a live search's
    // state), less the probe's own.
    const statusReads = Math.max(
      0,
      (await commandCalls(redis, 'exists')) - existsBefore - redisLatency.samples,
    );
    let profile: ProfileSummary | undefined;
    if (options.profile) {
      const mark = apiApp.lines.length;
      process.kill(apiApp.child.pid!, 'SIGWINCH');
      await until(
        'profile written',
        () =>
          Promise.resolve(
            apiApp.lines.slice(mark).find((l) => l.includes('"profile-written"')) ?? undefined,
          ),
        30_000,
      ).then((line) => {
        const { file, error } = JSON.parse(line) as { file: string; error?: string };
        if (error) throw new Error(`profile: ${error}`);
        profile = summarizeProfile(file, [
          'state',
          'getJob',
          'getState',
          'fromJSON',
          'exists',
          'sendCommand',
          'viewOf',
          'recordsNeeded',
          'canActivate',
          'digestKey',
          'observe',
          'stringify',
          'parse',
        ]);
      });
    }
    await sleep(1500);
    const el = eventLoop(apiApp.lines, load.startedAt, load.endedAt);
    const metricsAfter = await api.metrics();
    const after = await sample();
    const recordsIntervals =
      condition === 'loaded'
        ? (await recordsQueue.getJobs(['active', 'completed', 'failed'], 0, -1))
            .filter((j) => j.processedOn !== undefined)
            .map((j) => [j.processedOn!, j.finishedOn ?? Date.now()] as [number, number])
        : [];
    const window: Window = {
      label,
      condition,
      target,
      load,
      cpu: cpuUse,
      apiCpuMsPerRequest: ((cpuUse.cores.api ?? NaN) * cpuUse.wallMs) / Math.max(1, load.responses),
      serverSide: serverSide(metricsBefore, metricsAfter),
      eventLoop: el,
      redis: redisLatency,
      statusReadsPerSecond: statusReads / load.durationS,
      before,
      after,
      ...(condition === 'loaded'
        ? {
            recordsCoverage: coverage(recordsIntervals, load.startedAt, load.endedAt),
            aggregationCoverage: coverage(chain.intervals(), load.startedAt, load.endedAt),
          }
        : {}),
      profile,
      attempts: 1,
    };
    const l = load.latency;
    console.log(
      `  ${label}: ${load.responses} responses, ${f0(load.achievedRps)} rps, non-2xx ${load.non2xx}, p50 ${f1(l.p50)} p90 ${f1(l.p90)} p99 ${f1(l.p99)} max ${f1(l.max)} ms${load.fromSchedule ? ` (from schedule p99 ${f1(load.fromSchedule.p99)} ms)` : ''}; API ${f2(cpuUse.cores.api ?? NaN)} cores (worker ${f2(cpuUse.cores.worker ?? 0)}, s3rver ${f2(cpuUse.cores.s3rver ?? 0)}, redis ${f2(cpuUse.cores.redis ?? 0)}, bench ${f2(cpuUse.cores.bench ?? 0)}, others ${f2(cpuUse.othersCores)}), machine ${f0(cpuUse.machineBusy * 100)} % busy${window.recordsCoverage !== undefined ? `; records ${f0(window.recordsCoverage * 100)} %, aggregation ${f0(window.aggregationCoverage! * 100)} % of the window` : ''}`,
    );
    return window;
  };

  // Warm the path (JIT, connections) before anything counts.
  await runAutocannon({
    url: `${url}/v1/searches/${busyId}`,
    authorization: AUTH,
    rate: RATE,
    connections: CONNECTIONS,
    seconds: 3,
  });

  console.log('quiet (no worker):');
  await measure('quiet, S', 'quiet', 'S (running)', 'autocannon');
  await measure('quiet, C', 'quiet', 'C (completed)', 'autocannon');
  await measure('quiet, S, paced', 'quiet', 'S (running)', 'paced');
  // Where a request's CPU goes, without load distorting the profile's attribution.
  await measure('quiet, S, profiled', 'quiet', 'S (running)', 'autocannon', {
    seconds: PROFILE_SECONDS,
    profile: true,
  });

  console.log('loaded: worker on S’s records jobs + synthetic aggregations back to back:');
  worker = startApp(WORKER_MAIN, env);
  stopWorker = onCleanup('worker', () => stopApp(worker));
  await worker.waitFor(/"worker started"/, 60_000);
  await until(
    'records jobs running',
    async () => ((await recordsQueue.getJobCounts('active')).active > 0 ? true : undefined),
    120_000,
  );
  chain.start();
  onCleanup('aggregation chain', () => chain.stop());
  await until(
    'an aggregation in its thread',
    async () => {
      const current = chain.current;
      if (!current) return undefined;
      const job = await aggregateQueue.getJob(aggregateJobId(TENANT, current.searchId));
      const progress = job?.progress as SearchProgress | undefined;
      return (await job?.getState()) === 'active' && progress?.phase === 'aggregating'
        ? true
        : undefined;
    },
    120_000,
  );
  await sleep(2000);
  const loaded = await measure('loaded, S', 'loaded', 'S (running)', 'autocannon');
  await measure('loaded, C', 'loaded', 'C (completed)', 'autocannon');
  await measure('loaded, S, paced', 'loaded', 'S (running)', 'paced');
  const met = loaded.load.latency.p99 <= TARGET_P99_MS;
  if (!met || process.env.BENCH_API_PROFILE === '1') {
    console.log(`p99 ${f1(loaded.load.latency.p99)} ms > ${TARGET_P99_MS} ms: one profiled window`);
    await measure('loaded, S, profiled', 'loaded', 'S (running)', 'autocannon', {
      seconds: PROFILE_SECONDS,
      profile: true,
    });
  }
  // Experiment (a deployment setting, not a code change): the worker's threads at nice 10, so
  // the kernel prefers the API when both want a core. New threads inherit the main thread's nice.
  const reniced = renice(worker.child.pid!, 10);
  console.log(`worker at nice 10 (${reniced} threads):`);
  await measure('loaded, S, worker at nice 10', 'loaded', 'S (running)', 'autocannon');
  await chain.stop();
  apiExpectedExit = true;
  const loadedAggregations = chain.jobs
    .slice(1)
    .filter((j) => j.state === 'completed' && j.processedOn !== undefined)
    .map((j) => j.finishedOn! - j.processedOn!);
  const recordsJobs = (await recordsQueue.getJobs(['completed'], 0, -1))
    .filter((j) => j.processedOn !== undefined && j.finishedOn !== undefined)
    .map((j) => j.finishedOn! - j.processedOn!);

  // ------------------------------------------------------------ results
  const benchSeconds = (performance.now() - started) / 1000;
  const json = {
    provenance: {
      ...prov,
      autocannon: version('autocannon'),
      benchSeconds: Math.round(benchSeconds),
    },
    goal: {
      route: 'GET /v1/searches/{id}',
      p99Ms: TARGET_P99_MS,
      judgedOn:
        'loaded, S: autocannon p99 of every response (raw, request written → response read)',
      measuredP99Ms: loaded.load.latency.p99,
      met,
    },
    settings: {
      rate: RATE,
      connections: CONNECTIONS,
      seconds: SECONDS,
      quietWaitSeconds: Math.round(quietWaitMs / 1000),
      maxOthersCores: MAX_OTHERS,
      tool: 'autocannon programmatic API, overallRate, ignoreCoordinatedOmission (raw latencies)',
      busyShards,
      busyModels: zoo.map((m) => m.name),
      synthetic: {
        models: shape.models,
        samplesPerSplit: shape.shardsPerSplit * shape.samplesPerShard,
        records: written.records,
        recordBytes: written.bytes,
      },
      quietAggregationMs,
      loadedAggregationMs: loadedAggregations.length ? stats(loadedAggregations) : undefined,
      recordsJobMs: recordsJobs.length ? stats(recordsJobs) : undefined,
      worker: 'built apps/worker/dist/main.js, default settings (all queues)',
      api: 'built apps/api/dist/main.js, WRITES_PER_MINUTE=100000, event-loop probe preloaded',
    },
    units:
      'latencies and durations in ms, CPU in cores (1 = one core busy the whole window), rates in requests/s',
    busySearch: busyId,
    completedSearch: completedId,
    windows,
    aggregations: chain.jobs,
  };
  writeFileSync(join(RESULTS, 'api-latency.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'api-latency.md'), markdown(json, windows, prov, met, benchSeconds));
  console.log(`\n${readFileSync(join(RESULTS, 'api-latency.md'), 'utf8')}`);
  return 0;
}

function markdown(
  json: {
    settings: {
      busyShards: number;
      quietAggregationMs: number;
      loadedAggregationMs?: Stats;
      recordsJobMs?: Stats;
    };
    provenance: { autocannon: string };
  },
  windows: Window[],
  prov: ReturnType<typeof provenance>,
  met: boolean,
  benchSeconds: number,
): string {
  const l = (s: LatencySummary | undefined, k: keyof LatencySummary) => (s ? f1(s[k]) : '');
  const ac = windows.filter((w) => w.load.tool === 'autocannon');
  const paced = windows.filter((w) => w.load.tool === 'paced');
  const loadedS = windows.find((w) => w.label === 'loaded, S')!;
  const describe = (s: FarmSample) =>
    `records active ${s.records.active ?? 0}, waiting ${(s.records.waiting ?? 0) + (s.records.prioritized ?? 0)}, completed ${s.records.completed ?? 0}; S ${s.busySearch.status} (${JSON.stringify(s.busySearch.progress)}, job ${s.busySearch.jobState}); aggregation ${!s.aggregation ? 'none' : s.aggregation.jobState === 'missing' ? 'next one being submitted' : `${s.aggregation.jobState} ${JSON.stringify(s.aggregation.progress)}`}, ${s.aggregationsCompleted} completed so far`;
  const lines = [
    '# GET /v1/searches/{id} latency under load',
    '',
    `${prov.cpu}, ${prov.cores} cores, ${prov.memoryGiB} GiB; Node ${prov.node}, BullMQ ${prov.bullmq}, Redis ${prov.redis}, autocannon ${json.provenance.autocannon}; git ${prov.gitSha}${prov.gitDirty ? ' (uncommitted changes)' : ''}; ${prov.date.slice(0, 10)}. Everything on this machine, 127.0.0.1: s3rver (own process), Redis, the built API and worker as child processes, the load generator in the bench process.`,
    '',
    `S: a search over the 7 zoo models on ${json.settings.busyShards} fashion-mnist shards whose records did not exist: a live search, whose status the API derives from its aggregate job (BullMQ getJob + getState + Redis EXISTS) — or from memory, if it keeps a recent read (the "status reads from Redis" column below says how often it went to Redis). C: a completed synthetic 20 × 20 × 50,000 search (status from memory). Quiet: no worker running. Loaded: the worker computing S's records jobs and aggregating synthetic 20 × 20 × 50,000 searches back to back (one aggregation alone took ${f1(json.settings.quietAggregationMs / 1000)} s${json.settings.loadedAggregationMs ? `; under load ${f1(json.settings.loadedAggregationMs.median / 1000)} s, median of ${json.settings.loadedAggregationMs.runs} completed` : ''}${json.settings.recordsJobMs ? `; a records job of S — 7 models on 2,500 images — ${f1(json.settings.recordsJobMs.median / 1000)} s, median of ${json.settings.recordsJobMs.runs}` : ''}).`,
    '',
    `## autocannon: overallRate ${RATE}, ${CONNECTIONS} connections, ${SECONDS} s, Bearer key`,
    '',
    '| window | responses | achieved rps | non-2xx | errors / timeouts | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | autocannon p99 ms | burst per second, median ms | goal |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...ac.map(
      (w) =>
        `| ${w.label} | ${f0(w.load.responses)} | ${f0(w.load.achievedRps)} | ${w.load.non2xx} | ${w.load.errors} / ${w.load.timeouts} | ${l(w.load.latency, 'p50')} | ${l(w.load.latency, 'p90')} | **${l(w.load.latency, 'p99')}** | ${l(w.load.latency, 'p999')} | ${l(w.load.latency, 'max')} | ${w.load.autocannon?.p99 ?? ''} | ${w.load.burstMs ? f0(w.load.burstMs.p50) : ''} | ${w === loadedS ? `p99 ≤ ${TARGET_P99_MS} ms ${met ? '✔' : '✘'}` : ''} |`,
    ),
    '',
    "Latencies are every response's own, request written → response read, from autocannon's response events (fractional ms); \"autocannon p99\" is its own histogram of the same (2xx, integer ms). autocannon's rate limit is per connection per second: each connection sends back to back until it has sent its share (25), so each second's requests arrive as a burst of 20 in flight; \"burst\" is how long each second's responses took from first to last.",
    '',
    `## Paced open loop: ${RATE} requests/s evenly spaced, ${SECONDS} s`,
    '',
    '| window | responses | achieved rps | non-2xx | errors / unanswered 10 s after the last was due | p50 ms | p90 ms | p99 ms | max ms | from due time: p50 / p99 / max ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...paced.map(
      (w) =>
        `| ${w.label} | ${f0(w.load.responses)} | ${f0(w.load.achievedRps)} | ${w.load.non2xx} | ${w.load.errors} / ${w.load.timeouts} | ${l(w.load.latency, 'p50')} | ${l(w.load.latency, 'p90')} | **${l(w.load.latency, 'p99')}** | ${l(w.load.latency, 'max')} | ${l(w.load.fromSchedule, 'p50')} / ${l(w.load.fromSchedule, 'p99')} / ${l(w.load.fromSchedule, 'max')} |`,
    ),
    '',
    'Request i is due at start + i × 2 ms whatever happened to the others (keep-alive sockets, opened as needed); "from due time" also counts a late start, so coordinated omission cannot hide a stall.',
    '',
    '## Where the time goes (per window)',
    '',
    '| window | tries | CPU cores: API / worker / s3rver / Redis / bench / others | machine busy | API CPU ms per request | API-side time (its histogram): mean ms, ≤ 10 / ≤ 25 / ≤ 50 ms | API event-loop delay: mean / median-second p99 / worst-second p99 / max ms | API status reads from Redis per s | Redis getJob + getState + EXISTS from outside: p50 / p99 ms |',
    '| --- | ---: | --- | ---: | ---: | --- | --- | ---: | --- |',
    ...windows.map((w) => {
      const c = w.cpu.cores;
      const n = (x: number | undefined) => (x === undefined ? '–' : f2(x));
      const within = (ms: string) =>
        w.serverSide.within[ms] === undefined ? '–' : `${f0(w.serverSide.within[ms] * 100)} %`;
      return `| ${w.label} | ${w.attempts} | ${n(c.api)} / ${n(c.worker)} / ${n(c.s3rver)} / ${n(c.redis)} / ${n(c.bench)} / ${f2(w.cpu.othersCores)} | ${f0(w.cpu.machineBusy * 100)} % | ${f2(w.apiCpuMsPerRequest)} | ${f1(w.serverSide.meanMs)}, ${within('10')} / ${within('25')} / ${within('50')} | ${f1(w.eventLoop.meanMs)} / ${f1(w.eventLoop.medianP99Ms)} / ${f1(w.eventLoop.worstP99Ms)} / ${f1(w.eventLoop.maxMs)} | ${f1(w.statusReadsPerSecond)} | ${f1(w.redis.total.p50)} / ${f1(w.redis.total.p99)} |`;
    }),
    '',
    `CPU from /proc (all threads of each process; "others" = the rest of the machine: other sessions, the kernel's share of loopback traffic). A window in which others used more than ${MAX_OTHERS} cores was repeated (at most ${MAX_ATTEMPTS} tries, the least disturbed kept; the bench waited up to ${QUIET_WAIT_S} s for quiet before each).` +
      " API-side time is the API's own tinysaver_http_request_duration_seconds for this route (its middleware to the response handed to the OS): what it does not count — waiting to be read off the socket while the event loop is busy or the process is not scheduled — is the gap to the client's figure. Event-loop delay: perf_hooks.monitorEventLoopDelay in the API (bench/api/event-loop-probe.cjs, preloaded), per second.",
    '',
    ...windows
      .filter((w) => w.cpu.othersCores > MAX_OTHERS)
      .flatMap((w) => [
        `Disturbed: "${w.label}" — others ${f2(w.cpu.othersCores)} cores after ${w.attempts} tries; busiest: ${w.cpu.topOthers.map((o) => `\`${o.command.slice(0, 60)}\` ${f2(o.cores)}`).join(', ')}.`,
        '',
      ]),
    '## Was the farm busy? (loaded windows)',
    '',
    '| window | a records job running | an aggregation running | before | after |',
    '| --- | ---: | ---: | --- | --- |',
    ...windows
      .filter((w) => w.condition === 'loaded')
      .map(
        (w) =>
          `| ${w.label} | ${f0((w.recordsCoverage ?? 0) * 100)} % | ${f0((w.aggregationCoverage ?? 0) * 100)} % | ${describe(w.before)} | ${describe(w.after)} |`,
      ),
    '',
    "Coverage: share of the window inside some job's [processedOn, finishedOn] (BullMQ's stamps): records jobs of S, and the synthetic aggregate jobs (each spends nearly all of it in the aggregation thread).",
    '',
  ];
  for (const profiled of windows.filter((w) => w.profile)) {
    const p = profiled.profile!;
    const note =
      profiled.condition === 'loaded'
        ? [
            "Under load the API is not on a core much of the time, and V8's sampler gives each gap to the frame the thread resumes in: mostly socket writes (`writev`, `writeUtf8String`), where waking the peer (Redis, the client) lets the kernel switch to it. So this profile shows where the API waits for a core; the quiet profile shows where its CPU goes.",
            '',
          ]
        : [];
    lines.push(
      `## Profile of the API during "${profiled.label}" (${f0(p.spanMs / 1000)} s, V8 sampling every 0.5 ms; latency figures of that window are not used)`,
      '',
      ...note,
      `Busy ${f0(p.busyMs)} ms of ${f0(p.spanMs)} ms sampled (${f0((p.busyMs / p.spanMs) * 100)} %), ${f0(profiled.load.responses)} responses: ${f2(p.busyMs / Math.max(1, profiled.load.responses))} ms ${profiled.condition === 'loaded' ? 'sampled (not CPU: see above)' : 'of main-thread CPU'} per request.`,
      '',
      '| self time by origin | ms | share of busy |',
      '| --- | ---: | ---: |',
      ...p.byOrigin
        .slice(0, 15)
        .map((o) => `| ${o.origin} | ${f0(o.ms)} | ${f1(o.share * 100)} % |`),
      '',
      '| top functions (self time) | origin | ms | share |',
      '| --- | --- | ---: | ---: |',
      ...p.topFunctions
        .slice(0, 20)
        .map(
          (t) =>
            `| \`${t.fn.replace(/\|/g, '\\|')}\` | ${t.origin} | ${f0(t.ms)} | ${f1(t.share * 100)} % |`,
        ),
      '',
      '| frame (inclusive, synchronous part) | ms | share |',
      '| --- | ---: | ---: |',
      ...p.frames.map((f) => `| ${f.name} | ${f0(f.ms)} | ${f1(f.share * 100)} % |`),
      '',
    );
  }
  lines.push(`Bench runtime ${f0(benchSeconds)} s.`, '');
  return lines.join('\n');
}

runBench('api-latency', Number(process.env.BENCH_API_LIMIT_S ?? 3600) * 1000, main);
