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
import { planRecordsTurn, type RecordsJobState } from './records-plan';

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
  const before = await snapshotWatched(control);
  const { needed, missing } = await missingWork(ctx, spec);
  const done = needed - missing.reduce((n, w) => n + w.models.length, 0);
  if (state.presentAtStart === undefined) await merge(job, { presentAtStart: done });
  await job.updateProgress({ phase: 'records', done, total: needed } satisfies SearchProgress);

  if (missing.length > 0) {
    await submitMissing(ctx, control, spec, missing, before);
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
 * The records job states this search watches, read before the turn's listing (records-plan.ts
 * says why that order matters). Concurrent calls share the connection's pipeline: one round trip
 * for all, not one per job.
 */
async function snapshotWatched(control: JobControl): Promise<Map<string, RecordsJobState>> {
  const queue = control.queue(QueueName.Records);
  const ids = Object.keys(((control.job.data ?? {}) as AggregateJobState).watching ?? {});
  const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
  return new Map(ids.map((id, i) => [id, states[i]]));
}

/**
 * Makes sure a records job will compute each missing piece of work. A failed job this search
 * did not submit is retried (it may be an old failure another search saw); one it submitted ends
 * the search with the records job's own message, which names the shard and the fix.
 */
async function submitMissing(
  ctx: JobContext,
  control: JobControl,
  spec: SearchSpec,
  missing: MissingWork[],
  before: ReadonlyMap<string, RecordsJobState>,
): Promise<void> {
  const queue = control.queue(QueueName.Records);
  const state = (control.job.data ?? {}) as AggregateJobState;
  const submitted = new Set(state.submitted ?? []);
  const watching: Record<string, string> = { ...state.watching };
  const steps = planRecordsTurn(missing, { before, shardOf: watching });
  const byId = new Map(missing.map((w) => [w.jobId, w]));

  const failed = steps.find((s) => s.action === 'fail');
  if (failed) await failSearch(ctx, control, spec, failed.failedJobId, failed.work);

  const toAdd: MissingWork[] = [];
  for (const step of steps.filter((s) => s.action === 'recompute')) {
    // Done before the listing, yet its records are gone (deleted by hand): compute them again.
    await (await queue.getJob(step.work.jobId))?.remove();
    toAdd.push(step.work);
  }
  const lookUps = steps.filter((s) => s.action === 'look-up').map((s) => s.work);
  const found = await Promise.all(lookUps.map((w) => queue.getJobState(w.jobId)));
  for (const [i, work] of lookUps.entries()) {
    const jobState = found[i];
    if (jobState === 'unknown') toAdd.push(work);
    else if (jobState === 'failed' && submitted.has(work.jobId))
      await failSearch(ctx, control, spec, work.jobId, work);
    else if (jobState === 'failed')
      // An earlier failure this search did not see happen (another search's, or last week's).
      await (
        await queue.getJob(work.jobId)
      )?.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    else if (jobState === 'completed' && !(await allRecordsExist(ctx, work))) {
      // Had it completed after this turn's listing, its records would all be there now: they
      // were deleted instead.
      await (await queue.getJob(work.jobId))?.remove();
      toAdd.push(work);
    }
  }
  if (toAdd.length) await queue.addBulk(toAdd.map(recordsJob));

  // Stop watching jobs finished (or cleaned away) before the listing whose shard lacks nothing.
  const stillMissing = new Set(missing.map((w) => w.shard.etag));
  for (const [jobId, etag] of Object.entries(watching)) {
    const settled = before.get(jobId) === 'completed' || before.get(jobId) === 'unknown';
    if (settled && !stillMissing.has(etag)) delete watching[jobId];
  }
  const adopted = steps.filter((s) => s.action !== 'fail').map((s) => s.work.jobId);
  for (const jobId of adopted) watching[jobId] = byId.get(jobId)!.shard.etag;

  // Which searches wait on a records job: a cancel removes only jobs nobody else needs.
  const searchRef = aggregateJobId(spec.tenant, spec.id);
  const fresh = adopted.filter((jobId) => !submitted.has(jobId));
  if (fresh.length) {
    const refs = control.redis.multi();
    for (const jobId of fresh)
      refs
        .sadd(recordsRefsKey(control.queuePrefix, jobId), searchRef)
        .expire(recordsRefsKey(control.queuePrefix, jobId), 7 * 24 * 3600);
    await refs.exec();
  }
  if (fresh.length || !sameKeys(watching, state.watching ?? {}))
    await merge(control.job, { submitted: [...submitted, ...fresh], watching });
}

async function failSearch(
  ctx: JobContext,
  control: JobControl,
  spec: SearchSpec,
  failedJobId: string,
  work: MissingWork,
): Promise<never> {
  const failedJob = await control.queue(QueueName.Records).getJob(failedJobId);
  const failure = describeFailure(failedJob?.failedReason, work);
  await end(ctx, control, spec, 'failed', ...failure);
  throw new UnrecoverableError(formatJobFailure(...failure));
}

async function allRecordsExist(ctx: JobContext, work: MissingWork): Promise<boolean> {
  const exists = await Promise.all(
    work.models.map((m) =>
      ctx.store.exists(
        ctx.layout.recordKey({
          modelSha256: m.sha256,
          preprocess: canonicalPreprocess(m.preprocess),
          shardEtag: work.shard.etag,
        }),
      ),
    ),
  );
  return exists.every(Boolean);
}

function sameKeys(a: Record<string, string>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b);
}

function recordsJob(work: MissingWork) {
  const payload: RecordsJob = {
    v: 1,
    dataset: { name: work.dataset.name },
    shard: { id: work.shard.id, object: work.shard.object, etag: work.shard.etag },
    models: work.models,
  };
  return {
    name: JobName[QueueName.Records],
    data: payload,
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: work.jobId },
  };
}

function describeFailure(
  failedReason: string | undefined,
  work: MissingWork,
): [JobFailureCode, string] {
  let cause = failedReason ?? 'no reason recorded';
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
