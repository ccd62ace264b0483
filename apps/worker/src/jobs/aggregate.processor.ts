import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { canonicalPreprocess } from '@tinysaver/cascade';
import {
  aggregateJobId,
  DEFAULT_JOB_OPTIONS,
  formatJobFailure,
  JobFailureCode,
  JobName,
  parseJobFailure,
  QueueName,
  recordsRefsKey,
  SearchSpecSchema,
  searchSplits,
  type AggregateJob,
  type AggregateJobState,
  type DatasetSnapshot,
  type ProfiledModelRef,
  type RecordsJob,
  type SearchEndDocument,
  type SearchProgress,
  type SearchSpec,
} from '@tinysaver/contracts';
import { findMissingRecords, recordFolders, type MissingRecords } from '@tinysaver/storage';
import { runAggregation } from './aggregate-run';

import type { JobContext, JobControl } from './job-context';
import { JobFailure } from './job-failure';

const DOC_LIMIT = 64 * 1024 * 1024;

type MissingWork = MissingRecords<
  ProfiledModelRef,
  DatasetSnapshot,
  DatasetSnapshot['shards'][number]
>;

/**
 * A search, as a step job: each turn it lists which records exist, queues records jobs for the
 * missing (model, shard) work (content-derived ids, so concurrent searches share them), then
 * goes back to delayed until the next turn. Once everything exists it aggregates in a thread and
 * writes `results.json` and the final `status.json`. Everything is read back from S3 each turn,
 * so the job can be re-created from the spec after Redis is lost and carry on where S3 says.
 */
export async function processAggregate(
  ctx: JobContext,
  payload: AggregateJob,
  control: JobControl,
): Promise<unknown> {
  const { job } = control;
  const { layout, store } = ctx;
  const key = (file: 'search' | 'status' | 'results') =>
    layout.searchKey(payload.tenant, payload.searchId, file);
  const specBytes = await store.readIfExists(key('search'), 'search spec', DOC_LIMIT);
  if (!specBytes)
    throw new UnrecoverableError(
      formatJobFailure(
        JobFailureCode.SearchMissing,
        `search '${payload.searchId}' of tenant '${payload.tenant}' has no spec at ${key('search')}; submit the search again.`,
      ),
    );
  const spec = SearchSpecSchema.parse(JSON.parse(specBytes.toString('utf8')));
  if (await ended(ctx, key('status'))) return { skipped: 'ended' };

  const state = (job.data ?? {}) as AggregateJobState;
  const { needed, missing } = await missingWork(ctx, spec);
  const done = needed - missing.reduce((n, w) => n + w.models.length, 0);
  if (state.presentAtStart === undefined) await merge(job, { presentAtStart: done });
  await job.updateProgress({ phase: 'records', done, total: needed } satisfies SearchProgress);

  if (missing.length > 0) {
    await submitMissing(ctx, control, spec, missing);
    await job.moveToDelayed(Date.now() + ctx.config.searchPollMs, control.token);
    throw new DelayedError();
  }

  await job.updateProgress({ phase: 'aggregating', done, total: needed } satisfies SearchProgress);
  let results;
  try {
    results = await runAggregation(ctx, spec, {
      needed,
      reused: (job.data as AggregateJobState).presentAtStart ?? done,
    });
  } catch (error) {
    if (error instanceof JobFailure && !error.retryable)
      await end(ctx, control, spec, 'failed', error.code, error.message);
    throw error;
  }
  // A cancel that landed while the analysis ran wins: nothing is published.
  if (await ended(ctx, key('status'))) return { skipped: 'ended' };
  await store.write(key('results'), JSON.stringify(results), 'application/json');
  await end(ctx, control, spec, 'completed');
  return { records: needed, reused: results.records.reused };
}

/** Every (model, shard) record the search needs, and per shard the models still without one. */
async function missingWork(
  ctx: JobContext,
  spec: SearchSpec,
): Promise<{ needed: number; missing: MissingWork[] }> {
  const preprocessOf = (m: ProfiledModelRef) => canonicalPreprocess(m.preprocess);
  const present = new Set<string>();
  for (const folder of recordFolders(ctx.layout, spec.models, preprocessOf))
    for (const key of await ctx.store.list(folder)) present.add(key);
  return findMissingRecords(ctx.layout, present, spec.models, preprocessOf, searchSplits(spec));
}

/**
 * Makes sure a records job exists for each missing piece of work. A failed job this search did
 * not submit is retried (it may be an old failure another search saw); one it submitted ends the
 * search with the records job's own message, which names the shard and the fix.
 */
async function submitMissing(
  ctx: JobContext,
  control: JobControl,
  spec: SearchSpec,
  missing: MissingWork[],
): Promise<void> {
  const queue = control.queue(QueueName.Records);
  const state = (control.job.data ?? {}) as AggregateJobState;
  const submitted = new Set(state.submitted ?? []);
  const searchRef = aggregateJobId(spec.tenant, spec.id);
  for (const work of missing) {
    const existing = await queue.getJob(work.jobId);
    const jobState = existing ? await existing.getState() : 'unknown';
    if (existing && jobState === 'failed') {
      if (submitted.has(work.jobId)) {
        const failure = describeFailure(existing, work);
        await end(ctx, control, spec, 'failed', ...failure);
        throw new UnrecoverableError(formatJobFailure(...failure));
      }
      // An earlier failure this search did not see happen (another search's, or last week's).
      await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else if (existing && jobState === 'completed') {
      // Done but its records are gone (deleted by hand): compute them again.
      await existing.remove();
      await addRecordsJob(queue, work);
    } else if (!existing) {
      await addRecordsJob(queue, work);
    }
    submitted.add(work.jobId);
    // Which searches wait on a records job: a cancel removes only jobs nobody else needs.
    await control.redis
      .multi()
      .sadd(recordsRefsKey(control.queuePrefix, work.jobId), searchRef)
      .expire(recordsRefsKey(control.queuePrefix, work.jobId), 7 * 24 * 3600)
      .exec();
  }
  await merge(control.job, { submitted: [...submitted] });
}

function addRecordsJob(queue: ReturnType<JobControl['queue']>, work: MissingWork) {
  const payload: RecordsJob = {
    v: 1,
    dataset: { name: work.dataset.name },
    shard: { id: work.shard.id, object: work.shard.object, etag: work.shard.etag },
    models: work.models,
  };
  return queue.add(JobName[QueueName.Records], payload, {
    ...DEFAULT_JOB_OPTIONS,
    jobId: work.jobId,
  });
}

function describeFailure(job: Job, work: MissingWork): [JobFailureCode, string] {
  let cause = job.failedReason ?? 'no reason recorded';
  try {
    const parsed = parseJobFailure(cause);
    cause = `[${parsed.code}] ${parsed.message}`;
  } catch {
    // Not a farm worker's message: shown as it is.
  }
  return [
    JobFailureCode.RecordsFailed,
    `records of ${work.models.map((m) => `'${m.name}'`).join(', ')} on shard '${work.shard.id}' of dataset '${work.dataset.name}' could not be computed: ${cause}`,
  ];
}

async function merge(job: Job, patch: Partial<AggregateJobState>): Promise<void> {
  await job.updateData({ ...(job.data as object), ...patch });
}

async function ended(ctx: JobContext, statusKey: string): Promise<boolean> {
  return (await ctx.store.readIfExists(statusKey, 'search status', DOC_LIMIT)) !== undefined;
}

/** Writes the search's final status and drops its live marker (nothing left to resume). */
async function end(
  ctx: JobContext,
  control: JobControl,
  spec: Pick<SearchSpec, 'tenant' | 'id'>,
  status: SearchEndDocument['status'],
  code?: string,
  message?: string,
): Promise<void> {
  const statusKey = ctx.layout.searchKey(spec.tenant, spec.id, 'status');
  const live = ctx.layout.liveSearchKey(spec.tenant, spec.id);
  const doc: SearchEndDocument = {
    status,
    at: new Date().toISOString(),
    ...(code ? { error: { code, message: message ?? '' } } : {}),
  };
  await ctx.store.write(statusKey, JSON.stringify(doc), 'application/json');
  await ctx.store.remove(live);
  // The search waits on nothing any more: a cancel of another search may now drop those jobs.
  const searchRef = aggregateJobId(spec.tenant, spec.id);
  for (const recordsJob of (control.job.data as AggregateJobState).submitted ?? [])
    await control.redis.srem(recordsRefsKey(control.queuePrefix, recordsJob), searchRef);
}
