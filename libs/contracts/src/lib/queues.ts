/**
 * The farm's queues. One queue per job kind so node pools can choose what they serve (GPU nodes
 * take records and cascade runs; any node can profile) and each has its own retry policy.
 * BullMQ forbids ':' in names; the Redis key prefix is configuration, not part of the name.
 */
export const QueueName = {
  Profile: 'tinysaver-profile',
  Records: 'tinysaver-records',
  Cascade: 'tinysaver-cascade',
  /** One job per search: queues the missing records, waits for them, then aggregates. */
  Aggregate: 'tinysaver-aggregate',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const QUEUE_NAMES: readonly QueueName[] = Object.values(QueueName);

/** The job name inside each queue (one kind of job per queue). */
export const JobName = {
  [QueueName.Profile]: 'profile',
  [QueueName.Records]: 'records',
  [QueueName.Cascade]: 'cascade',
  [QueueName.Aggregate]: 'aggregate',
} as const satisfies Record<QueueName, string>;

/** The queue a user names by its job name (`records`) or its full name (`tinysaver-records`). */
export function queueNamed(given: string): QueueName | undefined {
  return QUEUE_NAMES.find((q) => q === given || JobName[q] === given);
}

/** What to say when {@link queueNamed} finds nothing. */
export const QUEUE_CHOICES = `${QUEUE_NAMES.map((q) => JobName[q]).join(', ')} (or their full names ${QUEUE_NAMES.join(', ')})`;

/**
 * Retry policy every producer uses: transient faults (S3 5xx, timeouts, a killed worker) retry
 * with exponential backoff — 2 s, 4 s, 8 s, 16 s — while bad input fails at once (the worker
 * throws BullMQ's UnrecoverableError). Finished jobs are kept a day for progress queries;
 * failed ones a week, so a user can read why.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/** Top-k kept per sample in every record (METHOD §2: top-5 is cheap and enough). */
export const RECORD_TOP_K = 5;

/** A search's aggregate job: one per search, so re-adding it (resuming a search) is a no-op. */
export function aggregateJobId(tenant: string, searchId: string): string {
  return `search.${tenant}.${searchId}`;
}

/** A cascade run's job for its i-th shard. */
export function cascadeJobId(tenant: string, runId: string, shardIndex: number): string {
  return `cascade.${tenant}.${runId}.${shardIndex}`;
}

/**
 * Redis set of the searches (aggregate job ids) waiting on a records job: a cancelled search
 * removes a queued records job only when no other search waits on it.
 */
export function recordsRefsKey(queuePrefix: string, recordsJobId: string): string {
  return `${queuePrefix}:tinysaver:records-refs:${recordsJobId}`;
}

/** Set when a search is cancelled, so every API replica sees it before its job notices. */
export function searchCancelledKey(queuePrefix: string, aggregateJob: string): string {
  return `${queuePrefix}:tinysaver:cancelled:${aggregateJob}`;
}
