// The tables of queue.bench.ts (printed and written to bench/results/queue.md) and the goal check.
import { availableParallelism } from 'node:os';
import { f0, f1, f2, stats, type provenance } from '../api/common';
import type { BulkComparisonRun, FanOutRun } from './fan-out';
import type { SearchShape } from './imagenet-search';
import type { Attempted, CpuWindow } from './runs';
import type { CompleteRun, EndToEndRun, EnqueueRun } from './throughput';

/** The goal: trivial jobs through the queue, per second. */
export const GOAL_JOBS_PER_S = 1000;

export interface QueueBenchResults {
  readonly provenance: ReturnType<typeof provenance> & { ioredis: string };
  readonly config: {
    readonly jobs: number;
    readonly runs: number;
    readonly maxOthersCores: number;
    readonly jobOptions: unknown;
    readonly endToEnd: string;
    readonly search: SearchShape;
  };
  readonly enqueue: { label: string; runs: EnqueueRun[] }[];
  readonly complete: { concurrency: number; runs: CompleteRun[] }[];
  readonly endToEnd: { label: string; runs: EndToEndRun[] }[];
  readonly fanOut: { specBytes: number; runs: FanOutRun[]; bulk: BulkComparisonRun[] };
  readonly waitedForQuietS: number;
  readonly repeatedS: number;
  runtimeS?: number;
}

const median = (values: number[]) => stats(values).median;
const maxOf = (values: number[]) => Math.max(...values);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const rate = (values: number[]) => {
  const s = stats(values);
  return [f0(s.min), `**${f0(s.median)}**`, f0(s.max)];
};
/** Two significant digits: an extrapolation is no more precise than that. */
const round2 = (n: number) => f0(Number(n.toPrecision(2)));
const goal = (jobsPerS: number) => (jobsPerS >= GOAL_JOBS_PER_S ? '✔' : '✘');

/** Median cores per process over the kept runs, e.g. "bench 0.95 · Redis 0.61". */
function coresCell(runs: readonly Attempted[]): string {
  const names = Object.keys(runs[0].window.cores);
  const label = (name: string) => (name === 'redis' ? 'Redis' : name);
  return names
    .map((name) => `${label(name)} ${f2(median(runs.map((r) => r.window.cores[name] ?? 0)))}`)
    .join(' · ');
}

/**
 * What limited a run: a single-threaded process near one full core, else the whole machine when
 * its cores were nearly all busy, else waiting on round trips.
 */
export function limitOf(window: CpuWindow): string {
  const entries = Object.entries(window.cores);
  const [busiest, cores] = entries.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
  const total = entries.reduce((n, [, c]) => n + c, 0) + window.othersCores;
  if (cores >= 0.85) return `${busiest === 'redis' ? 'Redis' : busiest} (1 core)`;
  if (total >= 0.85 * availableParallelism()) return 'machine (all cores busy)';
  return 'round trips (no core full)';
}

function limitCell(runs: readonly Attempted[]): string {
  return [...new Set(runs.map((r) => limitOf(r.window)))].join(' / ');
}

const othersCell = (runs: readonly Attempted[]) =>
  `${f2(maxOf(runs.map((r) => r.window.othersCores)))} (${runs.reduce((n, r) => n + (r.attempts ?? 1), 0)} tries)`;

export function throughputTable(r: QueueBenchResults): string[] {
  const lines = [
    row([
      'measurement',
      'runs',
      'min jobs/s',
      'median jobs/s',
      'max jobs/s',
      'CPU cores, median (per process)',
      'limit',
      'others’ cores, max (tries)',
      `goal ≥ ${f0(GOAL_JOBS_PER_S)}/s`,
    ]),
    row(['---', '---:', '---:', '---:', '---:', '---', '---', '---:', '---']),
  ];
  /** One measurement's row: its rate over the runs, what bound it, and the goal. */
  const throughputRow = (label: string, runs: readonly (Attempted & { jobsPerS: number })[]) => {
    const values = runs.map((x) => x.jobsPerS);
    return row([
      label,
      runs.length,
      ...rate(values),
      coresCell(runs),
      limitCell(runs),
      othersCell(runs),
      goal(median(values)),
    ]);
  };
  for (const m of r.enqueue) lines.push(throughputRow(`enqueue: ${m.label}`, m.runs));
  for (const m of r.complete)
    lines.push(
      throughputRow(
        `complete: worker process, concurrency ${m.concurrency} (queue full at start)`,
        m.runs,
      ),
    );
  for (const m of r.endToEnd) {
    lines.push(
      throughputRow(`**end to end**: ${m.label}`, m.runs),
      row([
        '… of which the producer alone (its own add rate meanwhile)',
        m.runs.length,
        ...rate(m.runs.map((x) => x.enqueuePerS)),
        `waiting when the producer ended: ${m.runs.map((x) => f0(x.waitingAtEnd)).join(', ')}`,
        '',
        '',
        '',
      ]),
    );
  }
  return lines;
}

export function fanOutTable(r: QueueBenchResults): string[] {
  const { runs, bulk } = r.fanOut;
  const shards = r.config.search.shards;
  const ms = (label: string, values: number[], note = '') => {
    const s = stats(values);
    return row([label, s.runs, f1(s.min), `**${f1(s.median)}**`, f1(s.max), note]);
  };
  const perJob = (x: FanOutRun) => {
    const m = x.memory;
    return (
      (m.recordsJobHashes.bytes + m.recordsQueueStructures.bytes + m.recordsRefSets.bytes) /
      x.recordsJobs
    );
  };
  const m0 = runs[0].memory;
  const lines = [
    row(['measurement', 'runs', 'min', 'median', 'max', 'notes']),
    row(['---', '---:', '---:', '---:', '---:', '---']),
    ms(
      'before listing, ms: spec + status GETs, the watched jobs’ states (none yet)',
      runs.map((x) => x.beforeListingMs),
    ),
    ms(
      'listing, ms: record-folder LISTs',
      runs.map((x) => x.listingMs),
      `spec ${f0(r.fanOut.specBytes / 1024)} KiB parsed with SearchSpecSchema; ${runs[0].marks.lists} LISTs (one per model), 0 records found`,
    ),
    ms(
      'findMissingRecords + progress update, ms',
      runs.map((x) => x.findMissingMs),
    ),
    ms(
      `enqueue, ms: ${f0(shards)} records jobs (states looked up pipelined, one addBulk, one refs MULTI), updateData, moveToDelayed`,
      runs.map((x) => x.enqueueMs),
      `${f0(runs[0].recordsJobs)} jobs queued; ids and payloads checked against findMissingRecords`,
    ),
    ms(
      '**total, ms** (one processor turn)',
      runs.map((x) => x.totalMs),
      `CPU cores, median: ${coresCell(runs)}; others max ${f2(maxOf(runs.map((x) => x.window.othersCores)))}`,
    ),
    ms(
      `next turn, ms: all ${f0(shards)} jobs still queued (their states read in one pipelined burst before listing; nothing looked up or added)`,
      runs.map((x) => x.nextTurn.totalMs),
      `of which before listing (spec, status, ${f0(shards)} states) ${f0(median(runs.map((x) => x.nextTurn.beforeListingMs)))} ms; others max ${f2(maxOf(runs.map((x) => x.nextTurn.othersCores)))}`,
    ),
    row([
      'enqueue rate, records jobs/s (as the processor adds them)',
      runs.length,
      ...rate(runs.map((x) => x.jobsPerS)),
      '',
    ]),
    row([
      'comparison: the same jobs and ids in one addBulk alone, jobs/s',
      bulk.length,
      ...rate(bulk.map((x) => x.jobsPerS)),
      'without the lookups and refs the processor adds',
    ]),
    row([
      'Redis memory per records job, bytes (MEMORY USAGE)',
      runs.length,
      ...rate(runs.map(perJob)),
      `job hash ${f0(m0.recordsJobHashes.bytes / runs[0].recordsJobs)} + refs set ${f0(m0.recordsRefSets.bytes / runs[0].recordsJobs)} + queue lists/events ${f0(m0.recordsQueueStructures.bytes / runs[0].recordsJobs)}; the aggregate job grew to ${f0(m0.aggregate.bytes / 1024)} KiB (submitted ids, watched ids with their shards)`,
    ]),
    row([
      'cross-check: INFO used_memory delta per records job, bytes',
      runs.length,
      ...rate(runs.map((x) => x.usedMemoryDelta / x.recordsJobs)),
      'whole server: other sessions share this Redis',
    ]),
  ];
  return lines;
}

export function headline(r: QueueBenchResults): string {
  const p = r.provenance;
  return `${p.cpu}, ${p.cores} cores, ${p.memoryGiB} GiB; Node ${p.node}, BullMQ ${p.bullmq}, ioredis ${p.ioredis}, Redis ${p.redis}; git ${p.gitSha}${p.gitDirty ? ' (uncommitted changes)' : ''}; ${p.date.slice(0, 10)}.`;
}

export function markdown(r: QueueBenchResults): string {
  const c = r.config;
  // End to end is what a fleet meets: producers and workers on Redis at once.
  const through = Math.min(...r.endToEnd.map((m) => median(m.runs.map((x) => x.jobsPerS))));
  return [
    '# Queue throughput and search fan-out (BullMQ on the local Redis)',
    '',
    headline(r),
    '',
    `## Trivial jobs (${f0(c.jobs)} per run, the farm's DEFAULT_JOB_OPTIONS)`,
    '',
    ...throughputTable(r),
    '',
    `Job options: ${JSON.stringify(c.jobOptions)} — completed jobs are kept (count ≤ 50,000), so every completion also writes the retention bookkeeping. Processor: returns at once. Enqueue runs in the bench's own process; completion and end to end in separate producer and worker processes (the bench only polls ZCARD every 50 ms). Complete and end-to-end rates come from BullMQ's stamps (first processedOn / the producer's first add → last finishedOn). CPU from /proc over each run; "limit" names a process near one full core (Node and Redis are single-threaded), or the machine when all its cores were busy. Before each run the bench sampled the machine for 1 s and, while a 60 s budget lasted, waited up to 20 s until others used ≤ ${c.maxOthersCores} cores (${f0(r.waitedForQuietS)} s of sampling and waiting in all) — Redis counted as others then, so another session's Redis load was waited out too; a run in which others used more was repeated (at most 3 tries, least disturbed kept; ${f0(r.repeatedS)} s of repeats in all, at most ~25 s per section), so the others column says how disturbed the kept runs still were.`,
    '',
    `At the median end-to-end rate of ${f0(through)} jobs/s (on this 2-core machine, producer, worker and Redis sharing it), the queue would keep ~${round2(through * 10)} workers busy if each records job took 10 s, ~${round2(through * 60)} if it took a minute — a records job is 1,000 images through up to 10 models.`,
    '',
    `## Fan-out of one search: ${f0(c.search.shards)} shards × ${c.search.models} models (ImageNet train in 1,000-image shards)`,
    '',
    ...fanOutTable(r),
    '',
    "One turn of the built worker's aggregate processor (apps/worker/dist/jobs/aggregate.processor.js, called directly: the aggregate job taken with Worker.getNextJob so it is active with a lock token, JobContext/JobControl built as JobRunner builds them, the worker's own ObjectStore on s3rver in its own process with no records in it). Selection and evaluation are the same dataset, so one records job per shard, each for all 10 models (~1,281 × 10 records). The next turn is what the worker repeats every SEARCH_POLL_MS (default 2 s) while the records are computed. Memory is the exact MEMORY USAGE sum over the run's own prefix; used_memory is the whole server's.",
    '',
    r.runtimeS !== undefined ? `Bench runtime ${f0(r.runtimeS)} s.` : '',
    '',
  ].join('\n');
}
