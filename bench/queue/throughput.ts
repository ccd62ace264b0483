// The three throughput measurements of trivial jobs: enqueue alone (in the bench's process),
// completion of a full queue by a worker process, and producer + worker processes at once.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startQueueChild, type QueueChild } from './child-process';
import { withFreshPrefix, type Attempted, type RunDiscipline } from './runs';
import {
  enqueueTrivial,
  finishStamps,
  TRIVIAL_QUEUE,
  waitForCompleted,
  type EnqueueMode,
} from './trivial-jobs';

export interface ThroughputContext {
  readonly redisUrl: string;
  readonly jobs: number;
  readonly discipline: RunDiscipline;
}

/** Pre-filling a queue for the completion runs: the fastest way, not timed. */
const FILL: EnqueueMode = { kind: 'addBulk', chunk: 1000 };
/** A drain of N trivial jobs that takes longer than this is broken, not slow. */
const drainTimeoutMs = (jobs: number) => 60_000 + jobs * 10;

export interface EnqueueRun extends Attempted {
  readonly jobsPerS: number;
}

/** Adds N jobs the given way from this process; jobs/s over the whole loop. */
export function measureEnqueue(ctx: ThroughputContext, mode: EnqueueMode): Promise<EnqueueRun> {
  return withFreshPrefix(ctx.redisUrl, async (prefix) => {
    const connection = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(TRIVIAL_QUEUE, { connection, prefix });
    try {
      await queue.waitUntilReady();
      const stop = ctx.discipline.window({});
      await enqueueTrivial(queue, ctx.jobs, mode);
      const window = stop();
      return { window, jobsPerS: ctx.jobs / (window.wallMs / 1000) };
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
}

export interface CompleteRun extends Attempted {
  /** N / (last finishedOn − first processedOn), from BullMQ's stamps. */
  readonly jobsPerS: number;
  readonly spanMs: number;
}

/** N jobs queued first (not timed); then a worker process at `concurrency` drains them. */
export function measureComplete(ctx: ThroughputContext, concurrency: number): Promise<CompleteRun> {
  return withFreshPrefix(ctx.redisUrl, async (prefix) => {
    const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(TRIVIAL_QUEUE, { connection: redis, prefix });
    let consumer: QueueChild | undefined;
    try {
      await enqueueTrivial(queue, ctx.jobs, FILL);
      consumer = await startQueueChild({
        role: 'consumer',
        redisUrl: ctx.redisUrl,
        prefix,
        concurrency,
      });
      const stop = ctx.discipline.window({ consumer: consumer.pid });
      consumer.run();
      await waitForCompleted(redis, prefix, ctx.jobs, drainTimeoutMs(ctx.jobs));
      const window = stop();
      const stamps = await finishStamps(redis, prefix);
      const spanMs = stamps.lastFinishedOn - stamps.firstProcessedOn;
      return { window, spanMs, jobsPerS: stamps.jobs / (spanMs / 1000) };
    } finally {
      await consumer?.stop();
      await queue.close();
      redis.disconnect();
    }
  });
}

export interface EndToEndRun extends Attempted {
  /** N / (last finishedOn − the producer's first add). */
  readonly jobsPerS: number;
  readonly spanMs: number;
  /** The producer's own rate while the worker consumed beside it. */
  readonly enqueuePerS: number;
  readonly waitingAtEnd: number;
}

/** A producer process adds N jobs while a worker process consumes them. */
export function measureEndToEnd(
  ctx: ThroughputContext,
  concurrency: number,
  mode: EnqueueMode,
): Promise<EndToEndRun> {
  return withFreshPrefix(ctx.redisUrl, async (prefix) => {
    const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
    const children: QueueChild[] = [];
    try {
      const consumer = await startQueueChild({
        role: 'consumer',
        redisUrl: ctx.redisUrl,
        prefix,
        concurrency,
      });
      children.push(consumer);
      const producer = await startQueueChild({
        role: 'producer',
        redisUrl: ctx.redisUrl,
        prefix,
        jobs: ctx.jobs,
        mode,
      });
      children.push(producer);
      const stop = ctx.discipline.window({ producer: producer.pid, consumer: consumer.pid });
      consumer.run();
      producer.run();
      const done = await producer.done;
      await waitForCompleted(redis, prefix, ctx.jobs, drainTimeoutMs(ctx.jobs));
      const window = stop();
      const stamps = await finishStamps(redis, prefix);
      const spanMs = stamps.lastFinishedOn - done.startedAt;
      return {
        window,
        spanMs,
        jobsPerS: stamps.jobs / (spanMs / 1000),
        enqueuePerS: ctx.jobs / ((done.endedAt - done.startedAt) / 1000),
        waitingAtEnd: done.waitingAtEnd,
      };
    } finally {
      for (const child of children.reverse()) await child.stop();
      redis.disconnect();
    }
  });
}
