// Redis memory of a fan-out. INFO's used_memory is the whole server's — other sessions share this
// Redis, so its delta is only a cross-check; the figure reported is the exact sum of MEMORY USAGE
// (SAMPLES 0: every element counted) over the keys under the run's own prefix.
import type { Redis } from 'ioredis';
import { QueueName } from '@tinysaver/contracts';

export async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
}

export interface PrefixMemory {
  /** Bytes and key counts per kind of key. */
  readonly recordsJobHashes: { keys: number; bytes: number };
  /** The records queue's own structures: wait list, events stream, meta, id counter. */
  readonly recordsQueueStructures: { keys: number; bytes: number };
  /** The farm's "which searches wait on this records job" sets. */
  readonly recordsRefSets: { keys: number; bytes: number };
  /** The aggregate job (its data now lists every submitted records job id) and its queue. */
  readonly aggregate: { keys: number; bytes: number };
  readonly other: { keys: number; bytes: number };
}

export async function prefixMemory(redis: Redis, prefix: string): Promise<PrefixMemory> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...page);
    cursor = next;
  } while (cursor !== '0');
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
  const sizes = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return Number(value ?? 0);
  });
  const out: PrefixMemory = {
    recordsJobHashes: { keys: 0, bytes: 0 },
    recordsQueueStructures: { keys: 0, bytes: 0 },
    recordsRefSets: { keys: 0, bytes: 0 },
    aggregate: { keys: 0, bytes: 0 },
    other: { keys: 0, bytes: 0 },
  };
  const records = `${prefix}:${QueueName.Records}:`;
  keys.forEach((key, i) => {
    const kind: keyof PrefixMemory = key.startsWith(`${records}records.`)
      ? 'recordsJobHashes'
      : key.startsWith(records)
        ? 'recordsQueueStructures'
        : key.startsWith(`${prefix}:tinysaver:records-refs:`)
          ? 'recordsRefSets'
          : key.startsWith(`${prefix}:${QueueName.Aggregate}:`)
            ? 'aggregate'
            : 'other';
    out[kind].keys++;
    out[kind].bytes += sizes[i];
  });
  return out;
}
