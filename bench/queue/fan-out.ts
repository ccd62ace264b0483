// The fan-out of one large search, through the built worker's own aggregate processor
// (apps/worker/dist/jobs/aggregate.processor.js): its first turn reads the spec and status from
// S3 (s3rver, no records in it), lists the 10 record folders, finds every (model, shard) missing
// (storage's findMissingRecords), looks the shards' records jobs up (pipelined) and adds the
// absent ones in one addBulk with one refs MULTI, as it does, then moves itself to delayed; then
// its next turn, which reads the states of the jobs it watches (pipelined, before listing) and
// finds every records job still queued. No full worker: the aggregate
// job is taken with Worker.getNextJob (so it is active with a lock token, as in the worker) and
// the processor is called with a JobContext/JobControl built as JobRunner builds them.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { canonicalPreprocess } from '@tinysaver/cascade';
import {
  aggregateJobId,
  DEFAULT_JOB_OPTIONS,
  JobName,
  parseJobPayload,
  QueueName,
  searchSplits,
  type AggregateJob,
  type RecordsJob,
  type SearchSpec,
} from '@tinysaver/contracts';
import { FarmLayout, findMissingRecords } from '@tinysaver/storage';
import { WORKER_DIST, type S3Process } from '../api/common';
import { imagenetSearchSpec, type SearchShape } from './imagenet-search';
import { redisUsedMemory, prefixMemory, type PrefixMemory } from './redis-memory';
import { withFreshPrefix, type Attempted, type RunDiscipline } from './runs';

const TENANT = 'bench';
const SEARCH_ID = 's-bench-fan-out';

/** What the bench needs of the built modules (their types live in apps/worker/src). */
interface ObjectStoreLike {
  list(prefix: string): Promise<string[]>;
  readIfExists(key: string, what: string, maxBytes: number): Promise<Buffer | undefined>;
  write(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  remove(key: string): Promise<void>;
}
interface ControlLike {
  readonly job: Job;
  readonly token: string | undefined;
  queue(name: QueueName): Queue;
  readonly redis: Redis;
  readonly queuePrefix: string;
}
interface BuiltWorker {
  processAggregate: (ctx: unknown, payload: AggregateJob, control: ControlLike) => Promise<unknown>;
  ObjectStore: new (client: S3Client, bucket: string) => ObjectStoreLike;
}

function loadBuiltWorker(): BuiltWorker {
  const load = createRequire(__filename);
  const processor = load(join(WORKER_DIST, 'jobs', 'aggregate.processor.js')) as BuiltWorker;
  const store = load(join(WORKER_DIST, 'storage', 'object-store.js')) as BuiltWorker;
  return { processAggregate: processor.processAggregate, ObjectStore: store.ObjectStore };
}

export interface FanOutSetup {
  readonly spec: SearchSpec;
  readonly specBytes: number;
  readonly layout: FarmLayout;
  readonly store: ObjectStoreLike;
  readonly processAggregate: BuiltWorker['processAggregate'];
}

/** Writes the search's spec to s3rver as the API does (`search.json`; no status, no records). */
export async function prepareFanOut(s3: S3Process, shape: SearchShape): Promise<FanOutSetup> {
  const built = loadBuiltWorker();
  const layout = new FarmLayout('farm');
  const spec = imagenetSearchSpec(shape, layout, s3.bucket, TENANT, SEARCH_ID);
  const body = JSON.stringify(spec);
  await s3.client.send(
    new PutObjectCommand({
      Bucket: s3.bucket,
      Key: layout.searchKey(TENANT, SEARCH_ID, 'search'),
      Body: body,
      ContentType: 'application/json',
    }),
  );
  return {
    spec,
    specBytes: Buffer.byteLength(body),
    layout,
    store: new built.ObjectStore(s3.client, s3.bucket),
    processAggregate: built.processAggregate,
  };
}

/** Moments (ms, performance.now) of one processor turn, from wrapped store, control and job. */
interface Marks {
  start: number;
  firstList?: number;
  lastListEnd?: number;
  lists: number;
  firstQueue?: number;
  lastUpdateData?: number;
  moveToDelayed?: number;
  end: number;
}

/** One processor turn, split where the bench can see it. */
export interface TurnTimes {
  /** Spec + status reads and the states of the records jobs the search watches (pipelined). */
  readonly beforeListingMs: number;
  /** The record-folder LISTs. */
  readonly listingMs: number;
  /** findMissingRecords and the job's progress updates. */
  readonly findMissingMs: number;
  /** State lookups of the missing work, addBulk, refs MULTI, updateData, moveToDelayed. */
  readonly enqueueMs: number;
  readonly totalMs: number;
  readonly marks: Marks;
}

export interface FanOutRun extends Attempted, TurnTimes {
  readonly recordsJobs: number;
  readonly jobsPerS: number;
  readonly usedMemoryDelta: number;
  readonly memory: PrefixMemory;
  /**
   * The next turn (searchPollMs later in the worker) while every records job is still queued:
   * the watched jobs' states are read before listing, nothing is looked up or added.
   */
  readonly nextTurn: TurnTimes & { readonly othersCores: number };
}

/** The first turn of the real processor on a fresh prefix (timed), then its next turn. */
export function measureFanOut(
  redisUrl: string,
  discipline: RunDiscipline,
  setup: FanOutSetup,
  s3Pid: number,
): Promise<FanOutRun> {
  return withFreshPrefix(redisUrl, async (prefix) => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const aggregates = new Queue(QueueName.Aggregate, { connection, prefix });
    const records = new Queue(QueueName.Records, { connection, prefix });
    const taker = new Worker(QueueName.Aggregate, null, { connection, prefix, autorun: false });
    try {
      const payload: AggregateJob = { v: 1, tenant: TENANT, searchId: SEARCH_ID };
      const jobId = aggregateJobId(TENANT, SEARCH_ID);
      await aggregates.add(JobName[QueueName.Aggregate], payload, {
        ...DEFAULT_JOB_OPTIONS,
        jobId,
      });
      await records.waitUntilReady();
      const turn = async () => {
        const token = randomUUID();
        const job = (await taker.getNextJob(token)) as Job | undefined;
        if (!job) throw new Error('the aggregate job was not taken');
        return processorTurn(setup, payload, { job, token, connection, prefix, records });
      };

      const memoryBefore = await redisUsedMemory(connection);
      const stop = discipline.window({ s3rver: s3Pid });
      const first = await turn();
      const window = stop();
      const usedMemoryDelta = (await redisUsedMemory(connection)) - memoryBefore;
      const recordsJobs = await checkQueued(records, setup);
      const memory = await prefixMemory(connection, prefix);

      // As the worker's next turn would find it: the delayed job due, taken again.
      await (await aggregates.getJob(jobId))!.promote();
      const stopNext = discipline.window({ s3rver: s3Pid });
      const next = await turn();
      const nextTurn = { ...next, othersCores: stopNext().othersCores };
      if ((await checkQueued(records, setup)) !== recordsJobs)
        throw new Error('the next turn changed the records jobs');
      return {
        ...first,
        window,
        recordsJobs,
        jobsPerS: recordsJobs / (first.enqueueMs / 1000),
        usedMemoryDelta,
        memory,
        nextTurn,
      };
    } finally {
      await taker.close();
      await records.close();
      await aggregates.close();
      connection.disconnect();
    }
  });
}

/**
 * Calls the processor once for an active aggregate job, as JobRunner would: the store, the job
 * and control.queue are wrapped only to note when each step begins and ends.
 */
async function processorTurn(
  setup: FanOutSetup,
  payload: AggregateJob,
  taken: { job: Job; token: string; connection: Redis; prefix: string; records: Queue },
): Promise<TurnTimes> {
  const { job, records } = taken;
  const marks: Marks = { start: 0, lists: 0, end: 0 };
  const updateData = job.updateData.bind(job);
  job.updateData = (data) => {
    marks.lastUpdateData = performance.now();
    return updateData(data);
  };
  const moveToDelayed = job.moveToDelayed.bind(job);
  job.moveToDelayed = (timestamp, lockToken) => {
    marks.moveToDelayed = performance.now();
    return moveToDelayed(timestamp, lockToken);
  };
  const control: ControlLike = {
    job,
    token: taken.token,
    redis: taken.connection,
    queuePrefix: taken.prefix,
    queue(name) {
      // The state reads before the listing are not the enqueue phase.
      if (marks.lastListEnd !== undefined) marks.firstQueue ??= performance.now();
      if (name !== QueueName.Records) throw new Error(`unexpected queue ${name}`);
      return records;
    },
  };
  // Only searchPollMs of the config is read on this path (the next turn's delay).
  const ctx = {
    config: { searchPollMs: 60_000 },
    store: instrumentedStore(setup.store, marks),
    layout: setup.layout,
  };
  marks.start = performance.now();
  try {
    await setup.processAggregate(ctx, payload, control);
    throw new Error('the aggregate job finished instead of waiting for its records');
  } catch (error) {
    if ((error as Error).name !== 'DelayedError') throw error;
  }
  marks.end = performance.now();
  const listing = marks.firstList ?? marks.start;
  const listed = marks.lastListEnd ?? listing;
  const enqueueFrom = marks.firstQueue ?? marks.end;
  return {
    beforeListingMs: listing - marks.start,
    listingMs: listed - listing,
    findMissingMs: enqueueFrom - listed,
    enqueueMs: marks.end - enqueueFrom,
    totalMs: marks.end - marks.start,
    marks,
  };
}

function instrumentedStore(store: ObjectStoreLike, marks: Marks): ObjectStoreLike {
  return {
    async list(prefix) {
      marks.firstList ??= performance.now();
      marks.lists++;
      const keys = await store.list(prefix);
      marks.lastListEnd = performance.now();
      return keys;
    },
    readIfExists: (key, what, maxBytes) => store.readIfExists(key, what, maxBytes),
    write: (key, body, type) => store.write(key, body, type),
    remove: (key) => store.remove(key),
  };
}

/**
 * The queue holds one valid records job per shard, under the id storage's findMissingRecords
 * gives it (computed here independently): what the farm's records workers would take.
 */
async function checkQueued(records: Queue, setup: FanOutSetup): Promise<number> {
  const { missing } = findMissingRecords(
    setup.layout,
    new Set<string>(),
    setup.spec.models,
    (m) => canonicalPreprocess(m.preprocess),
    searchSplits(setup.spec),
  );
  const waiting = await records.getWaitingCount();
  if (waiting !== missing.length)
    throw new Error(`${waiting} records jobs waiting, expected ${missing.length}`);
  for (const work of [missing[0], missing[missing.length - 1]]) {
    const job = await records.getJob(work.jobId);
    if (!job) throw new Error(`records job ${work.jobId} is missing`);
    const data: RecordsJob = parseJobPayload(QueueName.Records, job.data);
    if (data.shard.etag !== work.shard.etag || data.models.length !== setup.spec.models.length)
      throw new Error(`records job ${work.jobId} holds the wrong work`);
  }
  return waiting;
}

export interface BulkComparisonRun extends Attempted {
  readonly jobsPerS: number;
}

/**
 * Not what the processor does: the same payloads and job ids in one addBulk, to show what the
 * per-shard round trips cost.
 */
export function measureFanOutBulk(
  redisUrl: string,
  discipline: RunDiscipline,
  setup: FanOutSetup,
): Promise<BulkComparisonRun> {
  return withFreshPrefix(redisUrl, async (prefix) => {
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const records = new Queue(QueueName.Records, { connection, prefix });
    try {
      await records.waitUntilReady();
      const { missing } = findMissingRecords(
        setup.layout,
        new Set<string>(),
        setup.spec.models,
        (m) => canonicalPreprocess(m.preprocess),
        searchSplits(setup.spec),
      );
      const stop = discipline.window({});
      await records.addBulk(
        missing.map((work) => ({
          name: JobName[QueueName.Records],
          data: {
            v: 1,
            dataset: { name: work.dataset.name },
            shard: { id: work.shard.id, object: work.shard.object, etag: work.shard.etag },
            models: work.models,
          } satisfies RecordsJob,
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: work.jobId },
        })),
      );
      const window = stop();
      return { window, jobsPerS: missing.length / (window.wallMs / 1000) };
    } finally {
      await records.close();
      connection.disconnect();
    }
  });
}
