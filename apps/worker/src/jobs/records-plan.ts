import type { JobState } from 'bullmq';

/** A records job's state as BullMQ reports it; `unknown` when no such job exists (any more). */
export type RecordsJobState = JobState | 'unknown';

/** The part of a missing (shard, models) piece of work the plan needs. */
export interface PlannedWork {
  readonly jobId: string;
  readonly shard: { readonly etag: string };
}

/** What the search already knows about the records jobs it submitted on earlier turns. */
export interface SubmittedJobs {
  /** Their states, read BEFORE the listing that found `missing` (see planRecordsTurn). */
  readonly before: ReadonlyMap<string, RecordsJobState>;
  /** The shard etag each one computes on. */
  readonly shardOf: Readonly<Record<string, string>>;
}

export type RecordsStep<W> =
  /** A records job this search submitted failed: the search ends with its message. */
  | { readonly action: 'fail'; readonly work: W; readonly failedJobId: string }
  /** Its job completed before the listing, yet the records are absent: deleted, compute again. */
  | { readonly action: 'recompute'; readonly work: W }
  /** Not this search's job yet: look it up (another search may share it) and add it if absent. */
  | { readonly action: 'look-up'; readonly work: W };

const PENDING: ReadonlySet<RecordsJobState> = new Set<RecordsJobState>([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
]);

/**
 * One aggregate turn's decisions for the missing records, from job states read before the
 * listing. That order is what makes it safe: a records job writes its records before it
 * completes, so a job already complete before the listing whose records the listing lacks has
 * truly lost them, while one that completed after the snapshot still shows as pending and is
 * simply waited for (the next turn's listing has its records). Read the other way round, a job
 * that finished between listing and lookup looks complete-with-records-missing and was computed
 * twice.
 *
 * Work waits while any job this search submitted on the same shard is pending: a listing taken
 * while such a job writes its models' records one by one finds a subset of them missing, whose
 * content-derived id names a job nobody needs.
 */
export function planRecordsTurn<W extends PlannedWork>(
  missing: readonly W[],
  submitted: SubmittedJobs,
): RecordsStep<W>[] {
  const onShard = new Map<string, string[]>();
  for (const [jobId, etag] of Object.entries(submitted.shardOf))
    onShard.set(etag, [...(onShard.get(etag) ?? []), jobId]);
  const steps: RecordsStep<W>[] = [];
  for (const work of missing) {
    const mine = onShard.get(work.shard.etag) ?? [];
    const failed = mine.find((id) => submitted.before.get(id) === 'failed');
    if (failed) steps.push({ action: 'fail', work, failedJobId: failed });
    else if (mine.some((id) => PENDING.has(submitted.before.get(id) ?? 'unknown'))) continue;
    else if (submitted.before.get(work.jobId) === 'completed')
      steps.push({ action: 'recompute', work });
    else steps.push({ action: 'look-up', work });
  }
  return steps;
}
