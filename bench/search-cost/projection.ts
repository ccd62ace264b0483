// What one records job costs Redis (from the accounting windows on the private Redis) and S3
// (from the counting proxy in the cold searches), what a search costs besides, and the fleet
// arithmetic that turns them into load for G GPUs at R model-images/s each.
import { execFileSync } from 'node:child_process';
import { f0, f1, f2 } from '../api/common';
import { IMAGES_PER_SHARD } from './config';
import { total, type Tally } from './redis-accounting';
import type { AccountingWindow } from './sessions';
import type { SearchMeasurement } from './search-run';
import type { S3Counts } from './s3-counter';

/** S3 requests a records job makes itself; everything else is the search's (aggregate, API). */
const JOB_REQUESTS = /^(GET shard|GET model|HEAD record|PUT record)$/;
/** Redis traffic on a records job's keys: its queue's, and the set of searches waiting on it. */
const JOB_QUEUES = /^(client|lua) (records|records-refs) /;
/**
 * … of which the aggregate job's checks: getState once per turn for each outstanding job, the
 * records-refs SADD + EXPIRE once per job, getJob (HGETALL) only to retry or replace one. They
 * scale with the search's turns, not with jobs; the rest is the job's own life (add, take, lock,
 * progress, finish).
 */
const POLLING = /^(client|lua) (records (hgetall|getState|getStateV2)$|records-refs )/;

/** The aggregate's state reads of records jobs: one getState script per outstanding job per turn. */
const checks = (tally: Tally) =>
  (tally['client records getState'] ?? 0) + (tally['client records getStateV2'] ?? 0);

const sum = (tally: Tally, keep: (key: string) => boolean) =>
  Object.entries(tally)
    .filter(([k]) => keep(k))
    .reduce((n, [, v]) => n + v, 0);

export interface Costs {
  readonly jobs: number;
  readonly modelsPerJob: number;
  /** Redis commands per records job (idle traffic over the same time subtracted). */
  readonly redisPerJob: {
    /** The job's own life: client calls and commands inside its scripts. */
    lifecycle: { client: number; lua: number };
    /** The aggregate's checks on it (see POLLING), in this search's turns. */
    polling: { client: number; lua: number };
    /** Commands per check of one job (one getState each), and checks per job in this search. */
    perCheck: number;
    checksPerJob: number;
    top: [string, number][];
  };
  /** Redis commands per second of a live search besides its records jobs (aggregate, API). */
  readonly redisSearchPerSecond: number;
  /** Commands per second of an idle API + worker (blocking waits, stalled-job checks). */
  readonly redisIdlePerSecond: number;
  /** INFO commandstats over the cold search ÷ jobs: every command, search-level included. */
  readonly executedPerJob: number;
  readonly s3PerJob: S3Counts;
  /** The rest per search, and per second of search (listing turns, status reads). */
  readonly s3PerSearch: S3Counts;
  readonly coldSeconds: number;
}

function perUnit(counts: S3Counts[], units: number, keep: (key: string) => boolean): S3Counts {
  const out: S3Counts = {};
  for (const c of counts)
    for (const [key, v] of Object.entries(c)) {
      if (!keep(key)) continue;
      const into = (out[key] ??= { requests: 0, bytesDown: 0, bytesUp: 0 });
      into.requests += v.requests / units;
      into.bytesDown += v.bytesDown / units;
      into.bytesUp += v.bytesUp / units;
    }
  return out;
}

export function measureCosts(
  accounting: readonly AccountingWindow[],
  cold: readonly SearchMeasurement[],
): Costs | undefined {
  const idle = accounting.find((w) => w.label.startsWith('idle'));
  const search = accounting.find((w) => w.label === 'cold search');
  if (!idle || !search?.computingJobs || !cold.length) return undefined;
  // Idle traffic expected over the search's time, per key.
  const net: Tally = {};
  for (const [k, v] of Object.entries(search.byQueue))
    net[k] = v - ((idle.byQueue[k] ?? 0) * search.wallMs) / idle.wallMs;
  const jobs = search.computingJobs;
  const isJob = (k: string) => JOB_QUEUES.test(k);
  const jobKeys = Object.entries(net).filter(([k]) => JOB_QUEUES.test(k));
  const coldJobs = cold.reduce(
    (n, m) => n + m.recordsJobs.filter((j) => j.computed.length).length,
    0,
  );
  const coldSeconds = cold.reduce((n, m) => n + m.wallMs / 1000, 0) / cold.length;
  return {
    jobs,
    modelsPerJob: search.passes / jobs,
    redisPerJob: {
      lifecycle: {
        client: sum(net, (k) => isJob(k) && !POLLING.test(k) && k.startsWith('client ')) / jobs,
        lua: sum(net, (k) => isJob(k) && !POLLING.test(k) && k.startsWith('lua ')) / jobs,
      },
      polling: {
        client: sum(net, (k) => POLLING.test(k) && k.startsWith('client ')) / jobs,
        lua: sum(net, (k) => POLLING.test(k) && k.startsWith('lua ')) / jobs,
      },
      perCheck: sum(net, (k) => POLLING.test(k)) / Math.max(1, checks(net)),
      checksPerJob: checks(net) / jobs,
      top: jobKeys
        .filter(([k]) => !POLLING.test(k))
        .sort(([, a], [, b]) => b - a)
        .slice(0, 8)
        .map(([k, v]) => [k, v / jobs]),
    },
    redisSearchPerSecond: sum(net, (k) => !JOB_QUEUES.test(k)) / (search.wallMs / 1000),
    redisIdlePerSecond: total(idle.executed) / (idle.wallMs / 1000),
    executedPerJob: total(search.executed) / jobs,
    s3PerJob: perUnit(
      cold.map((m) => m.s3),
      coldJobs,
      (k) => JOB_REQUESTS.test(k),
    ),
    s3PerSearch: perUnit(
      cold.map((m) => m.s3),
      cold.length,
      (k) => !JOB_REQUESTS.test(k),
    ),
    coldSeconds,
  };
}

/** redis-benchmark against the private Redis: what one Redis core does on this machine. */
export function redisBenchmark(url: string): Record<string, number> {
  const { hostname, port } = new URL(url);
  try {
    const text = execFileSync(
      'redis-benchmark',
      ['-h', hostname, '-p', port, '-t', 'set,get,lpush,zadd', '-n', '50000', '-q'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    );
    const out: Record<string, number> = {};
    // -q still writes progress lines ending in \r; the result follows the last one.
    for (const line of text.split(/[\r\n]+/)) {
      const m = /^\s*(\w+): ([\d.]+) requests per second/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  } catch {
    return {};
  }
}

/** Assumed, not measured: AWS' documented request rates per partitioned S3 prefix. */
export const S3_LIMITS = { getHeadPerPrefix: 5_500, putPerPrefix: 3_500 };

const s3Table = (counts: S3Counts, unit: string) => [
  `| request | ${unit} | KiB down | KiB up |`,
  '| --- | ---: | ---: | ---: |',
  ...Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([k, c]) =>
        `| ${k} | ${f2(c.requests)} | ${f0(c.bytesDown / 1024)} | ${f0(c.bytesUp / 1024)} |`,
    ),
];

export function projectionMarkdown(
  costs: Costs,
  accounting: readonly AccountingWindow[],
  redisOpsPerSecond: Record<string, number> = {},
): string[] {
  const reads = sum(
    Object.fromEntries(Object.entries(costs.s3PerJob).map(([k, c]) => [k, c.requests])),
    (k) => /^(GET|HEAD) /.test(k),
  );
  const puts = sum(
    Object.fromEntries(Object.entries(costs.s3PerJob).map(([k, c]) => [k, c.requests])),
    (k) => k.startsWith('PUT '),
  );
  const bytes = Object.values(costs.s3PerJob).reduce((n, c) => n + c.bytesDown + c.bytesUp, 0);
  const { lifecycle, polling } = costs.redisPerJob;
  const redisPerJob = lifecycle.client + lifecycle.lua;
  const pollingPerJob = polling.client + polling.lua;
  const slowest = Math.min(...Object.values(redisOpsPerSecond), Infinity);
  const lines = [
    '## What a records job costs Redis and S3 (measured) and the fleet arithmetic',
    '',
    'Redis on a private redis-server (nothing else talks to it) with MONITOR, 1 API + 1 worker (1 × 1 × 2):',
    '',
    '| window | wall s | records jobs (computing) | commands executed (INFO commandstats) | by queue (MONITOR: client calls / inside scripts) |',
    '| --- | ---: | ---: | ---: | --- |',
    ...accounting.map((w) => {
      const byQueue: Tally = {};
      for (const [k, v] of Object.entries(w.byQueue)) {
        const [source, queue] = k.split(' ');
        byQueue[`${queue} ${source}`] = (byQueue[`${queue} ${source}`] ?? 0) + v;
      }
      return `| ${w.label} | ${f1(w.wallMs / 1000)} | ${w.recordsJobs} (${w.computingJobs}) | ${f0(total(w.executed))} | ${Object.entries(
        byQueue,
      )
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} |`;
    }),
    '',
    `Per computing records job (${f1(costs.modelsPerJob)} models over one shard; idle traffic subtracted): **${f0(redisPerJob)} Redis commands for the job's own life** — ${f0(lifecycle.client)} client calls, ${f0(lifecycle.lua)} inside BullMQ's scripts; most: ${costs.redisPerJob.top.map(([k, v]) => `${k} ${f1(v)}`).join(', ')}. Besides, the search's aggregate job reads the state of each outstanding records job every turn (one getState script each, all of a turn's in one pipelined burst; records-refs SADD + EXPIRE once per job): ${f1(costs.redisPerJob.perCheck)} commands per check, ${f1(costs.redisPerJob.checksPerJob)} checks per job in this search (${f0(pollingPerJob)} commands, ${f0(polling.client)} of them client calls). That is per search and turn, not per job done: W jobs outstanding cost W × ${f1(costs.redisPerJob.perCheck)} ÷ SEARCH_POLL_MS commands/s (a 10,000-shard search at the default 2 s: ${f0((10_000 * costs.redisPerJob.perCheck) / 2)}/s until its jobs finish). The search's other traffic (aggregate turns, the API's status reads for the bench's 100 ms polls): ${f0(costs.redisSearchPerSecond)} commands/s; an idle API + worker ${f1(costs.redisIdlePerSecond)}/s. INFO commandstats over the cold search ÷ its jobs, everything included: ${f0(costs.executedPerJob)}.` +
      (Object.keys(redisOpsPerSecond).length
        ? ` redis-benchmark against the same Redis on this loaded machine (50 clients, no pipelining): ${Object.entries(
            redisOpsPerSecond,
          )
            .map(([k, v]) => `${k} ${f0(v)}/s`)
            .join(', ')}.`
        : ''),
    '',
    'S3 per computing records job (the counting proxy; mean over the cold searches of the 1 × 1 × 2 layout). The worker that profiled a model keeps its bytes, so model GETs appear only where a worker had not profiled it; a fresh GPU worker GETs each model once:',
    '',
    ...s3Table(costs.s3PerJob, 'per job'),
    '',
    `Per cold search besides (${f1(costs.coldSeconds)} s on average; the aggregate job lists the record folders and reads the spec and status every turn, then reads every record once to aggregate):`,
    '',
    ...s3Table(costs.s3PerSearch, 'per search'),
    '',
    `Fleet: G GPUs at R model-images/s each, shards of ${f0(IMAGES_PER_SHARD)} images, K = ${f1(costs.modelsPerJob)} models per records job → records jobs/s = G·R / (${f0(IMAGES_PER_SHARD)}·K); Redis commands/s = jobs/s × ${f0(redisPerJob)} (the jobs' life; the aggregate's checks come on top, above); S3 per job ${f1(reads)} GET/HEAD, ${f1(puts)} PUT, ${f0(bytes / 1024)} KiB.`,
    '',
    '| G × R (model-images/s) | records jobs/s | Redis commands/s | ÷ slowest redis-benchmark figure | S3 GET+HEAD/s | S3 PUT/s | S3 MB/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [g, r] of [
    [8, 10_000],
    [64, 10_000],
    [64, 100_000],
    [512, 100_000],
  ]) {
    const jobsPerSecond = (g * r) / (IMAGES_PER_SHARD * costs.modelsPerJob);
    const redis = jobsPerSecond * redisPerJob;
    lines.push(
      `| ${g} × ${f0(r)} | ${f1(jobsPerSecond)} | ${f0(redis)} | ${Number.isFinite(slowest) ? f2(redis / slowest) : '—'} | ${f0(jobsPerSecond * reads)} | ${f0(jobsPerSecond * puts)} | ${f1((jobsPerSecond * bytes) / 1e6)} |`,
    );
  }
  lines.push(
    '',
    `Assumed, not measured: R (a parameter); S3's documented ${f0(S3_LIMITS.getHeadPerPrefix)} GET/HEAD and ${f0(S3_LIMITS.putPerPrefix)} PUT/s per partitioned prefix. S3 bytes scale with shard bytes (28×28 PNG here, ~0.5 KB per image).`,
  );
  return lines;
}
