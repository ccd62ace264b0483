// Trivial jobs for the queue throughput bench: how they are added (three ways a producer can),
// how their completion is read back from BullMQ's own stamps, and how a run's keys are removed.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from '@tinysaver/contracts';
import { dropPrefix } from '../api/common';

/** Not one of the farm's queues: nothing of the farm may ever take these jobs. */
export const TRIVIAL_QUEUE = 'bench-trivial';
export const TRIVIAL_JOB = 'trivial';

/** How a producer adds N jobs. */
export type EnqueueMode = { kind: 'add'; inFlight: number } | { kind: 'addBulk'; chunk: number };

export const describeMode = (mode: EnqueueMode): string =>
  mode.kind === 'add'
    ? mode.inFlight === 1
      ? 'queue.add, one at a time (awaited)'
      : `queue.add, ${mode.inFlight} in flight`
    : `queue.addBulk, chunks of ${mode.chunk.toLocaleString('en-US')}`;

/**
 * The farm's real job options (attempts, backoff, removeOnComplete/removeOnFail retention), so
 * BullMQ's bookkeeping for them is part of every figure.
 */
const jobOptions = () => ({ ...DEFAULT_JOB_OPTIONS });

/** Adds jobs `from` … `from + count - 1` (payload `{ i }`) the given way. */
export async function enqueueTrivial(
  queue: Queue,
  count: number,
  mode: EnqueueMode,
  from = 0,
): Promise<void> {
  if (mode.kind === 'addBulk') {
    for (let start = 0; start < count; start += mode.chunk) {
      const size = Math.min(mode.chunk, count - start);
      await queue.addBulk(
        Array.from({ length: size }, (_, k) => ({
          name: TRIVIAL_JOB,
          data: { i: from + start + k },
          opts: jobOptions(),
        })),
      );
    }
    return;
  }
  // `inFlight` loops share one counter: at most that many adds wait on Redis at any time.
  let next = 0;
  const loop = async () => {
    while (next < count) {
      const i = next++;
      await queue.add(TRIVIAL_JOB, { i: from + i }, jobOptions());
    }
  };
  await Promise.all(Array.from({ length: Math.min(mode.inFlight, count) }, loop));
}

export const queueKey = (prefix: string, suffix: string) => `${prefix}:${TRIVIAL_QUEUE}:${suffix}`;

/** Completed and failed counts (ZCARD of BullMQ's sets). */
export async function finishedCounts(
  redis: Redis,
  prefix: string,
): Promise<{ completed: number; failed: number }> {
  const [completed, failed] = await Promise.all([
    redis.zcard(queueKey(prefix, 'completed')),
    redis.zcard(queueKey(prefix, 'failed')),
  ]);
  return { completed, failed };
}

/** Polls (every 50 ms) until `count` jobs completed; throws on a failed job or after `timeoutMs`. */
export async function waitForCompleted(
  redis: Redis,
  prefix: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { completed, failed } = await finishedCounts(redis, prefix);
    if (failed > 0) throw new Error(`${failed} trivial jobs failed`);
    if (completed >= count) return;
    if (Date.now() > deadline)
      throw new Error(`only ${completed} of ${count} jobs completed in ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * First `processedOn` and last `finishedOn` over every completed job: BullMQ's stamps (ms),
 * written by the worker's Lua scripts, so no poll interval of ours enters the figures.
 */
export async function finishStamps(
  redis: Redis,
  prefix: string,
): Promise<{ jobs: number; firstProcessedOn: number; lastFinishedOn: number }> {
  const ids = await redis.zrange(queueKey(prefix, 'completed'), '0', '-1');
  let firstProcessedOn = Infinity;
  let lastFinishedOn = -Infinity;
  for (let start = 0; start < ids.length; start += 1000) {
    const pipeline = redis.pipeline();
    for (const id of ids.slice(start, start + 1000))
      pipeline.hmget(queueKey(prefix, String(id)), 'processedOn', 'finishedOn');
    for (const [error, value] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const [processedOn, finishedOn] = (value as (string | null)[]).map(Number);
      firstProcessedOn = Math.min(firstProcessedOn, processedOn);
      lastFinishedOn = Math.max(lastFinishedOn, finishedOn);
    }
  }
  return { jobs: ids.length, firstProcessedOn, lastFinishedOn };
}

/** Obliterates the trivial queue under `prefix`, then the farm queues and every other key. */
export async function dropTrivialPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    const queue = new Queue(TRIVIAL_QUEUE, { connection: redis, prefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  } finally {
    redis.disconnect();
  }
  await dropPrefix(redisUrl, prefix);
}
