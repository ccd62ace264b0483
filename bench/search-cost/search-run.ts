// One timed search through REST on a farm: what was missing before (from S3), wall time, what
// the records jobs computed (their BullMQ return values), S3 requests through the counter, and
// how much of the machine others used meanwhile.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { QueueName, type RecordsJobResult } from '@tinysaver/contracts';
import type { SearchRequestBody } from '@tinysaver/client';
import { cpuWindow, sleep } from '../api/common';
import { ForeignLoad } from '../worker/foreign-load';
import type { ZooModel } from './config';
import type { Farm } from './farm';
import { diffCounts, type S3Counter, type S3Counts } from './s3-counter';

export interface RecordsJobSummary {
  readonly id: string;
  readonly shard: string;
  readonly computed: readonly { model: string; inferMs: number }[];
  readonly reused: number;
  readonly wallMs: number;
  readonly downloadMs: number;
  readonly computeMs: number;
}

export interface SearchMeasurement {
  readonly searchId: string;
  readonly status: string;
  /** Submit (POST) → completed seen by polling every 100 ms, in this process. */
  readonly wallMs: number;
  /** The API's createdAt → the worker's status.json `at` (no polling delay). */
  readonly serverMs: number;
  readonly models: number;
  readonly shards: number;
  /** (model, shard) records of the search's models not in S3 before it was submitted. */
  readonly missingBefore: number;
  /** Σ over its completed records jobs of the models each computed. */
  readonly passesExecuted: number;
  /** Passes of a (model, shard) some other job of the search had computed too. */
  readonly duplicatePasses: number;
  readonly recordsWritten: number;
  readonly recordsJobs: readonly RecordsJobSummary[];
  readonly failedJobs: number;
  readonly results: { needed: number; reused: number };
  readonly s3: S3Counts;
  /** Others' share of the machine while it ran (ForeignLoad), and the quiet wait before. */
  readonly foreignShare: number;
  readonly foreignBefore: number;
  readonly quietWaitMs: number;
  readonly cores: Record<string, number>;
  readonly topOthers: { pid: number; command: string; cores: number }[];
}

export interface SearchContext {
  readonly farm: Farm;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly redisUrl: string;
  readonly counter: S3Counter;
  readonly benchPids: () => number[];
  readonly quiet: { readonly threshold: number; readonly maxWaitMs: number };
}

/** Record keys under the farm's prefix, grouped by model sha256. */
async function recordsByModel(ctx: SearchContext): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({
        Bucket: ctx.bucket,
        Prefix: `${ctx.farm.s3Prefix}/records/v1/`,
        ContinuationToken: token,
      }),
    );
    for (const { Key } of page.Contents ?? []) {
      const sha = Key!.split('/')[3];
      out.set(sha, (out.get(sha) ?? 0) + 1);
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/**
 * The records jobs that finished since `sinceMs`, from the queue's events stream rather than the
 * jobs themselves: a search's aggregate turn may remove a job that completed between its S3
 * listing and its state check (and re-add it), and with it the return value; the stream's
 * `completed` event keeps what the job computed.
 */
async function recordsJobsSince(ctx: SearchContext, sinceMs: number) {
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  try {
    const stream = `${ctx.farm.queuePrefix}:${QueueName.Records}:events`;
    const done: RecordsJobSummary[] = [];
    let failed = 0;
    for (const [, flat] of await redis.xrange(stream, `${sinceMs}-0`, '+')) {
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
      if (fields.get('event') === 'failed') failed++;
      if (fields.get('event') !== 'completed') continue;
      const r = JSON.parse(fields.get('returnvalue') ?? 'null') as RecordsJobResult;
      done.push({
        id: fields.get('jobId') ?? '',
        shard: r.shard,
        computed: r.computed.map((c) => ({ model: c.model, inferMs: c.inferMs })),
        reused: r.reused.length,
        wallMs: r.timings.wallMs,
        downloadMs: r.timings.downloadMs,
        computeMs: r.timings.computeMs,
      });
    }
    return { done, failed };
  } finally {
    redis.disconnect();
  }
}

/** (model, shard) pairs computed by more than one job: must be none. */
function duplicatePasses(jobs: readonly RecordsJobSummary[]): number {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const job of jobs)
    for (const { model } of job.computed) {
      const key = `${model}@${job.shard}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
    }
  return duplicates;
}

export async function measureSearch(
  ctx: SearchContext,
  body: SearchRequestBody,
  models: readonly ZooModel[],
): Promise<SearchMeasurement> {
  const { farm } = ctx;
  const shards = (
    await Promise.all([farm.client.dataset('selection'), farm.client.dataset('evaluation')])
  )
    .map((d) => d.shards.length)
    .reduce((a, b) => a + b, 0);
  const present = await recordsByModel(ctx);
  const missingBefore = models.reduce((n, m) => n + shards - (present.get(m.sha256) ?? 0), 0);
  const presentTotal = [...present.values()].reduce((a, b) => a + b, 0);

  const pids = () => [...ctx.benchPids(), ...farm.pids()];
  const load = new ForeignLoad(pids);
  const quietStarted = Date.now();
  const foreignBefore = await load.quiet(ctx.quiet.threshold, ctx.quiet.maxWaitMs);
  const quietWaitMs = Date.now() - quietStarted;

  const named: Record<string, number> = { bench: process.pid, api: farm.api.child.pid! };
  farm.workers.forEach((w, i) => (named[`worker${i + 1}`] = w.child.pid!));
  ctx
    .benchPids()
    .slice(1)
    .forEach((pid, i) => (named[i ? `bench${i}` : 's3rver'] = pid));
  const s3Before = ctx.counter.snapshot();
  const submittedAt = Date.now();
  const foreign = load.start();
  const cpu = cpuWindow(named);
  const t0 = performance.now();
  const started = await farm.client.startSearch(body);
  let view = started;
  while (['queued', 'running'].includes(view.status)) {
    await sleep(100);
    view = await farm.client.search(started.id);
  }
  const wallMs = performance.now() - t0;
  const foreignShare = foreign();
  const window = cpu();
  const s3 = diffCounts(s3Before, ctx.counter.snapshot());

  const jobs = await recordsJobsSince(ctx, submittedAt - 1_000);
  const after = await recordsByModel(ctx);
  const results =
    view.status === 'completed'
      ? (await farm.client.results(started.id)).records
      : { needed: 0, reused: 0 };
  return {
    searchId: started.id,
    status: view.status,
    wallMs,
    serverMs: view.endedAt ? Date.parse(view.endedAt) - Date.parse(view.createdAt) : NaN,
    models: models.length,
    shards,
    missingBefore,
    passesExecuted: jobs.done.reduce((n, j) => n + j.computed.length, 0),
    duplicatePasses: duplicatePasses(jobs.done),
    recordsWritten: [...after.values()].reduce((a, b) => a + b, 0) - presentTotal,
    recordsJobs: jobs.done,
    failedJobs: jobs.failed,
    results,
    s3,
    foreignShare,
    foreignBefore,
    quietWaitMs,
    cores: window.cores,
    topOthers: window.topOthers,
  };
}
