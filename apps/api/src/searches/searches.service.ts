import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  aggregateJobId,
  parseJobFailure,
  QueueName,
  recordsNeeded,
  recordsRefsKey,
  searchCancelledKey,
  SearchSpecSchema,
  type AggregateJobState,
  type DatasetSnapshot,
  type SearchEndDocument,
  type SearchProgress,
  type SearchResultsDocument,
  type SearchSpec,
} from '@tinysaver/contracts';
import type { CurveColumns, WhatIfAnswer } from '@tinysaver/cascade';
import { FarmLayout } from '@tinysaver/storage';
import { ApiError, conflict, listNewestFirst, notFound } from '../common/api-error';
import { BoundedCache } from '../common/bounded-cache';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import type { DatasetDocument } from '../datasets/dataset-document';
import { DatasetsService } from '../datasets/datasets.service';
import { ModelsService } from '../models/models.service';
import { JobQueues } from '../queues/job-queues';
import { RedisToken } from '../queues/redis.provider';
import { DocumentStore } from '../storage/document-store';
import { AnalysisPool } from '../analysis/analysis-pool';
import {
  planned,
  splitSource,
  type CurveQuery,
  type CurveView,
  type WhatIfQueryParams,
  type WhatIfView,
} from './pair-queries';
import { planSearch } from './search-plan';
import type { SearchBody } from './search-request';
import type { SearchView } from './search-view';

/** How long a live search's status may be served from memory: polls are seconds apart. */
const LIVE_STATE_MS = 250;

/**
 * Searches: the spec is written to S3 once, then one aggregate job (worker) does the rest. The
 * status is read from that job while it lives and from the end document after; a search whose
 * job vanished (Redis lost) and that has not ended is resumed by adding the job again.
 */
@Injectable()
export class SearchesService implements OnApplicationBootstrap {
  private readonly layout: FarmLayout;
  private readonly log = new Logger('searches');
  /** Specs never change, and ended searches stay ended: both are safe to keep. */
  private readonly specs = new BoundedCache<string, SearchSpec>(10_000);
  private readonly ends = new BoundedCache<string, SearchEndDocument>(10_000);
  private readonly results = new BoundedCache<string, SearchResultsDocument>(64);
  private readonly live = new BoundedCache<string, { at: number; state: SearchState }>(10_000);

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    @Inject(RedisToken) private readonly redis: Redis,
    private readonly store: DocumentStore,
    private readonly queues: JobQueues,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly analysis: AnalysisPool,
  ) {
    this.layout = new FarmLayout(config.s3.prefix);
  }

  /** Resumes every search that was live when Redis was lost (a no-op for those still queued). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const live = await this.store.listObjects(
        this.config.s3.bucket,
        this.layout.liveSearchesPrefix(),
      );
      for (const { key } of live) {
        const [tenant, id] = key.slice(this.layout.liveSearchesPrefix().length).split('/');
        if (tenant && id) await this.resume(tenant, id);
      }
      if (live.length) this.log.log(`resumed ${live.length} live search(es)`);
    } catch (error) {
      // S3 or Redis down at start: searches are still resumed on their next GET.
      this.log.warn(`could not resume live searches at start: ${(error as Error).message}`);
    }
  }

  async submit(tenant: string, body: SearchBody): Promise<SearchView> {
    const [views, datasets] = await Promise.all([
      this.models.list(tenant),
      this.datasetsByName(tenant, [body.selection, body.evaluation]),
    ]);
    const plan = planSearch(body, new Map(views.map((v) => [v.name, v])), datasets);
    const refs = await Promise.all(plan.models.map((m) => this.models.profiledRef(tenant, m.name)));
    const id = newSearchId();
    const spec: SearchSpec = {
      v: 1,
      id,
      tenant,
      createdAt: new Date().toISOString(),
      request: body,
      plan: plan.bases.map((b) => ({ base: b.name, savers: [...b.savers] })),
      models: refs,
      selection: snapshot(datasets.get(body.selection)!),
      evaluation: snapshot(datasets.get(body.evaluation)!),
    };
    await this.store.putJson(this.layout.searchKey(tenant, id, 'search'), spec);
    await this.store.putJson(this.layout.liveSearchKey(tenant, id), {});
    this.specs.set(`${tenant}/${id}`, spec);
    await this.resume(tenant, id);
    return this.viewOf(spec, { status: 'queued' });
  }

  async get(tenant: string, id: string): Promise<SearchView> {
    const spec = await this.spec(tenant, id);
    return this.viewOf(spec, await this.state(spec));
  }

  async list(tenant: string): Promise<SearchView[]> {
    const ids = await this.store.listFolders(this.layout.searchesPrefix(tenant));
    return listNewestFirst(ids, (id) => this.get(tenant, id), 'search-not-found');
  }

  /**
   * Cancels a live search: the end document is written first (so the aggregate job publishes
   * nothing), then its job and the records jobs no other search waits for are removed.
   */
  async cancel(tenant: string, id: string): Promise<SearchView> {
    const spec = await this.spec(tenant, id);
    const state = await this.state(spec);
    if (state.status === 'completed' || state.status === 'failed' || state.status === 'cancelled')
      throw conflict(
        'search-ended',
        `Search '${id}' already ended (${state.status}); only a queued or running search can be cancelled.`,
      );
    const end: SearchEndDocument = { status: 'cancelled', at: new Date().toISOString() };
    const jobId = aggregateJobId(tenant, id);
    await this.redis.set(
      searchCancelledKey(this.config.queuePrefix, jobId),
      '1',
      'EX',
      7 * 24 * 3600,
    );
    await this.store.putJson(this.layout.searchKey(tenant, id, 'status'), end);
    await this.store.delete(this.layout.liveSearchKey(tenant, id));
    this.ends.set(`${tenant}/${id}`, end);
    this.live.delete(`${tenant}/${id}`);
    const job = await this.queues.job(QueueName.Aggregate, jobId);
    if (job) {
      const submitted = (job.data as AggregateJobState).submitted ?? [];
      await removeUnlessActive(job);
      for (const recordsJob of submitted) await this.release(recordsJob, jobId);
    }
    return this.viewOf(spec, { status: 'cancelled', end });
  }

  /** `results.json` of a completed search; 409 while it is not. */
  async resultsOf(tenant: string, id: string): Promise<SearchResultsDocument> {
    const key = `${tenant}/${id}`;
    const cached = this.results.get(key);
    if (cached) return cached;
    const view = await this.get(tenant, id);
    if (view.status !== 'completed')
      throw conflict(
        'search-not-completed',
        `Search '${id}' is ${view.status}${view.status === 'failed' || view.status === 'cancelled' ? ' and has no results; submit it again' : `; poll GET /v1/searches/${id} until it is completed`}.`,
      );
    const results = await this.store.getJson<SearchResultsDocument>(
      this.layout.searchKey(tenant, id, 'results'),
    );
    if (!results)
      throw new ApiError(
        500,
        'results-missing',
        `Search '${id}' completed but its results.json is gone from storage; submit the search again.`,
      );
    this.results.set(key, results);
    return results;
  }

  /** A pair's trade-off curve on one split, computed from the search's records. */
  async curve(
    tenant: string,
    id: string,
    base: string,
    saver: string,
    query: CurveQuery,
  ): Promise<CurveView> {
    const spec = await this.completedSpec(tenant, id);
    const pair = planned(spec, base, saver);
    const dataset = spec[query.split];
    const columns = await this.analysis.ask<CurveColumns>({
      op: 'curve',
      pair,
      split: splitSource(dataset),
      exact: query.exact,
    });
    return {
      search: id,
      base,
      saver,
      split: query.split,
      dataset: dataset.name,
      exact: query.exact,
      ...columns,
    };
  }

  /** Both splits read at any threshold, or at the threshold a budget picks on selection. */
  async whatIf(
    tenant: string,
    id: string,
    base: string,
    saver: string,
    query: WhatIfQueryParams,
  ): Promise<WhatIfView> {
    const spec = await this.completedSpec(tenant, id);
    const pair = planned(spec, base, saver);
    const answer = await this.analysis.ask<WhatIfAnswer>({
      op: 'what-if',
      pair,
      selection: splitSource(spec.selection),
      evaluation: splitSource(spec.evaluation),
      query:
        query.threshold !== undefined ? { threshold: query.threshold } : { budget: query.budget! },
    });
    return { search: id, base, saver, ...answer };
  }

  /** Curves and what-if need every record: only a completed search has them all. */
  private async completedSpec(tenant: string, id: string): Promise<SearchSpec> {
    const spec = await this.spec(tenant, id);
    const { status } = await this.state(spec);
    if (status !== 'completed')
      throw conflict(
        'search-not-completed',
        `Search '${id}' is ${status}; curves and what-if answers need a completed search.`,
      );
    return spec;
  }

  /** The spec of a tenant's search; 404 for another tenant's and for none at all. */
  async spec(tenant: string, id: string): Promise<SearchSpec> {
    const key = `${tenant}/${id}`;
    const cached = this.specs.get(key);
    if (cached) return cached;
    const raw = await this.store.getJson<unknown>(this.layout.searchKey(tenant, id, 'search'));
    if (!raw)
      throw notFound('search-not-found', `No search '${id}'; list yours with GET /v1/searches.`);
    const spec = SearchSpecSchema.parse(raw);
    this.specs.set(key, spec);
    return spec;
  }

  private async datasetsByName(
    tenant: string,
    names: string[],
  ): Promise<Map<string, DatasetDocument>> {
    const found = new Map<string, DatasetDocument>();
    for (const name of new Set(names)) {
      const doc = await this.datasets.get(tenant, name).catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'dataset-not-found') return undefined;
        throw error;
      });
      if (doc) found.set(name, doc);
    }
    return found;
  }

  private async resume(tenant: string, id: string): Promise<void> {
    await this.queues.enqueue(
      QueueName.Aggregate,
      { v: 1, tenant, searchId: id },
      aggregateJobId(tenant, id),
    );
  }

  /** Drops this search's claim on a records job, and the job itself when nobody else waits. */
  private async release(recordsJob: string, searchJob: string): Promise<void> {
    const refs = recordsRefsKey(this.config.queuePrefix, recordsJob);
    await this.redis.srem(refs, searchJob);
    if ((await this.redis.scard(refs)) > 0) return;
    const job = await this.queues.job(QueueName.Records, recordsJob);
    if (job) await removeUnlessActive(job);
  }

  private async endOf(spec: SearchSpec): Promise<SearchEndDocument | undefined> {
    const key = `${spec.tenant}/${spec.id}`;
    const cached = this.ends.get(key);
    if (cached) return cached;
    const end = await this.store.getJson<SearchEndDocument>(
      this.layout.searchKey(spec.tenant, spec.id, 'status'),
    );
    if (end) this.ends.set(key, end);
    return end;
  }

  /** Where a search stands: its end document once ended, else its aggregate job. */
  private async state(spec: SearchSpec): Promise<SearchState> {
    const key = `${spec.tenant}/${spec.id}`;
    const known = this.ends.get(key);
    if (known) return { status: known.status, end: known };
    // Many clients polling one live search share one read of its job per LIVE_STATE_MS.
    const recent = this.live.get(key);
    if (recent && Date.now() - recent.at < LIVE_STATE_MS) return recent.state;
    const state = await this.readState(spec);
    if (!state.end) this.live.set(key, { at: Date.now(), state });
    return state;
  }

  private async readState(spec: SearchSpec): Promise<SearchState> {
    const jobId = aggregateJobId(spec.tenant, spec.id);
    const job = await this.queues.job(QueueName.Aggregate, jobId);
    if (!job) {
      const end = await this.endOf(spec);
      if (end) return { status: end.status, end };
      // Neither a job nor an end: Redis lost it. The spec in S3 is enough to carry on.
      await this.resume(spec.tenant, spec.id);
      return { status: 'queued' };
    }
    const jobState = await job.getState();
    if (jobState === 'completed' || jobState === 'failed') {
      const end = await this.endOf(spec);
      if (end) return { status: end.status, end };
      if (jobState === 'failed') return this.failedJob(spec, job);
    }
    if (await this.redis.exists(searchCancelledKey(this.config.queuePrefix, jobId)))
      return { status: 'cancelled' };
    const progress = job.progress as SearchProgress | number | undefined;
    const started = typeof progress === 'object' && progress !== null;
    return {
      status: started || jobState === 'active' ? 'running' : 'queued',
      progress: started ? progress : undefined,
    };
  }

  /** An aggregate job that ran out of retries without writing an end: record why, durably. */
  private async failedJob(spec: SearchSpec, job: Job): Promise<SearchState> {
    let error = { code: 'internal', message: job.failedReason ?? 'the aggregate job failed' };
    try {
      error = parseJobFailure(job.failedReason ?? '');
    } catch {
      // Not a farm worker's message: shown as it is.
    }
    const end: SearchEndDocument = { status: 'failed', at: new Date().toISOString(), error };
    await this.store.putJson(this.layout.searchKey(spec.tenant, spec.id, 'status'), end);
    await this.store.delete(this.layout.liveSearchKey(spec.tenant, spec.id));
    this.ends.set(`${spec.tenant}/${spec.id}`, end);
    return { status: 'failed', end };
  }

  private viewOf(spec: SearchSpec, state: SearchState): SearchView {
    const total = recordsNeeded(spec);
    const ended = state.status === 'completed';
    return {
      id: spec.id,
      status: state.status,
      progress: ended
        ? { done: total, total, phase: 'done' }
        : {
            done: state.progress?.done ?? 0,
            total,
            phase: state.progress?.phase ?? 'records',
          },
      createdAt: spec.createdAt,
      ...(state.end ? { endedAt: state.end.at } : {}),
      ...(state.end?.error ? { error: state.end.error } : {}),
      request: spec.request,
    };
  }
}

interface SearchState {
  readonly status: SearchView['status'];
  readonly end?: SearchEndDocument;
  readonly progress?: SearchProgress;
}

/** Sortable by time, unguessable: `s-20261128t140501-3f9a1c2b7d4e`. */
function newSearchId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase();
  return `s-${stamp}-${randomBytes(6).toString('hex')}`;
}

/** A dataset's shards pinned as jobs need them (bucket, key, ETag). */
export function snapshot(doc: DatasetDocument): DatasetSnapshot {
  return {
    name: doc.name,
    numClasses: doc.numClasses,
    shards: doc.shards.map((s) => ({
      id: s.id,
      object: { bucket: doc.bucket, key: s.key },
      etag: s.etag,
    })),
  };
}

/** Removes a job unless a worker holds it (then it notices the end document on its own). */
async function removeUnlessActive(job: Job): Promise<void> {
  if ((await job.getState()) === 'active') return;
  await job.remove().catch(() => undefined);
}
