import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { canonicalPreprocess, type SplitPoint } from '@tinysaver/cascade';
import {
  cascadeJobId,
  parseJobFailure,
  QueueName,
  type CascadeShardDocument,
  type ProfiledModelRef,
} from '@tinysaver/contracts';
import { FarmLayout, findMissingRecords, recordFolders } from '@tinysaver/storage';
import { AnalysisPool } from '../analysis/analysis-pool';
import { ApiError, badRequest, listNewestFirst, notFound } from '../common/api-error';
import { BoundedCache } from '../common/bounded-cache';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { DatasetsService } from '../datasets/datasets.service';
import { ModelsService } from '../models/models.service';
import { JobQueues } from '../queues/job-queues';
import { recordSource, splitSource } from '../searches/pair-queries';
import { snapshot } from '../searches/searches.service';
import { DocumentStore } from '../storage/document-store';
import {
  realisedCascade,
  type CascadeRunResult,
  type CascadeRunSpec,
  type CascadeRunView,
} from './cascade-run-document';
import type { CascadeRunBody } from './cascade-run-request';

const preprocessOf = (m: ProfiledModelRef) => canonicalPreprocess(m.preprocess);

/**
 * Cascade runs: the saver and base run for real, gated, one cascade job per shard; the records
 * of both models give the simulated numbers to compare against. The run is assembled on read
 * from the shard documents in S3; jobs lost with Redis are added again on read.
 */
@Injectable()
export class CascadeRunsService {
  private readonly layout: FarmLayout;
  private readonly specs = new BoundedCache<string, CascadeRunSpec>(10_000);
  private readonly results = new BoundedCache<string, CascadeRunResult>(1_000);

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    private readonly store: DocumentStore,
    private readonly queues: JobQueues,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly analysis: AnalysisPool,
  ) {
    this.layout = new FarmLayout(config.s3.prefix);
  }

  async submit(tenant: string, body: CascadeRunBody): Promise<CascadeRunView> {
    if (body.saver === body.base)
      throw badRequest(
        'saver-not-cheaper',
        `The saver and the base are both '${body.base}'; pick a smaller saver.`,
      );
    const dataset = await this.datasets.get(tenant, body.dataset).catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'dataset-not-found')
        throw badRequest(
          'unknown-dataset',
          `No dataset named '${body.dataset}'; register it with POST /v1/datasets first.`,
        );
      throw error;
    });
    const [saver, base] = await Promise.all(
      [body.saver, body.base].map((name) =>
        this.models.profiledRef(tenant, name).catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 'model-not-found')
            throw badRequest(
              'unknown-model',
              `No model named '${name}'; register it with POST /v1/models first.`,
            );
          throw error;
        }),
      ),
    );
    if (saver.macs >= base.macs)
      throw badRequest(
        'saver-not-cheaper',
        `Saver '${saver.name}' (${saver.macs} MACs) is not cheaper than base '${base.name}' (${base.macs} MACs); a saver must cost strictly less.`,
      );
    for (const model of [saver, base])
      if (model.numClasses !== dataset.numClasses)
        throw badRequest(
          'classes-mismatch',
          `Model '${model.name}' has ${model.numClasses} classes but dataset '${dataset.name}' has ${dataset.numClasses}; pair datasets with models of the same classes.`,
        );
    const spec: CascadeRunSpec = {
      v: 1,
      id: `c-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15).toLowerCase()}-${randomBytes(6).toString('hex')}`,
      tenant,
      createdAt: new Date().toISOString(),
      request: body,
      saver,
      base,
      dataset: snapshot(dataset),
    };
    await this.store.putJson(this.layout.cascadeRunKey(tenant, spec.id, 'run'), spec);
    this.specs.set(`${tenant}/${spec.id}`, spec);
    await this.ensureJobs(spec, new Set());
    return {
      id: spec.id,
      status: 'queued',
      progress: { shards: 0, total: spec.dataset.shards.length, records: false },
      createdAt: spec.createdAt,
      request: body,
    };
  }

  async get(tenant: string, id: string): Promise<CascadeRunView> {
    const spec = await this.spec(tenant, id);
    const view = {
      id,
      createdAt: spec.createdAt,
      request: spec.request,
    };
    const total = spec.dataset.shards.length;
    const key = `${tenant}/${id}`;
    const known =
      this.results.get(key) ??
      (await this.store.getJson<CascadeRunResult>(this.layout.cascadeRunKey(tenant, id, 'result')));
    if (known) {
      this.results.set(key, known);
      return {
        ...view,
        status: 'completed',
        progress: { shards: total, total, records: true },
        result: known,
      };
    }
    const written = new Set(
      (
        await this.store.listObjects(
          this.config.s3.bucket,
          this.layout.cascadeShardsPrefix(tenant, id),
        )
      ).map((o) => o.key),
    );
    const failure = await this.ensureJobs(spec, written);
    const records = await this.recordsReady(spec);
    const progress = {
      shards: spec.dataset.shards.filter((s) =>
        written.has(this.layout.cascadeShardKey(tenant, id, s.id)),
      ).length,
      total,
      records,
    };
    if (failure) return { ...view, status: 'failed', progress, error: failure };
    if (progress.shards < total || !records)
      return { ...view, status: progress.shards > 0 || records ? 'running' : 'queued', progress };

    const docs = await Promise.all(
      spec.dataset.shards.map(
        async (s) =>
          (await this.store.getJson<CascadeShardDocument>(
            this.layout.cascadeShardKey(tenant, id, s.id),
          ))!,
      ),
    );
    const realised = realisedCascade(docs, {
      saver: spec.saver.name,
      base: spec.base.name,
      baseMacs: spec.base.macs,
    });
    const simulated = await this.analysis.ask<SplitPoint>({
      op: 'point',
      pair: { saver: recordSource(spec.saver), base: recordSource(spec.base) },
      split: splitSource(spec.dataset),
      threshold: spec.request.threshold,
    });
    const result: CascadeRunResult = {
      realised,
      simulated,
      difference: {
        exits: realised.exits - simulated.exits,
        correct: realised.correct - simulated.correct,
      },
    };
    await this.store.putJson(this.layout.cascadeRunKey(tenant, id, 'result'), result);
    this.results.set(key, result);
    return { ...view, status: 'completed', progress, result };
  }

  async list(tenant: string): Promise<CascadeRunView[]> {
    const ids = await this.store.listFolders(this.layout.cascadeRunsPrefix(tenant));
    return listNewestFirst(ids, (id) => this.get(tenant, id), 'cascade-run-not-found');
  }

  private async spec(tenant: string, id: string): Promise<CascadeRunSpec> {
    const key = `${tenant}/${id}`;
    const cached = this.specs.get(key);
    if (cached) return cached;
    const spec = await this.store.getJson<CascadeRunSpec>(
      this.layout.cascadeRunKey(tenant, id, 'run'),
    );
    if (!spec)
      throw notFound(
        'cascade-run-not-found',
        `No cascade run '${id}'; list yours with GET /v1/cascade-runs.`,
      );
    this.specs.set(key, spec);
    return spec;
  }

  /**
   * Adds the cascade job of every shard without a document and the records jobs the simulation
   * still needs (ids fixed by content, so adding again is a no-op); returns the first failure.
   */
  private async ensureJobs(
    spec: CascadeRunSpec,
    written: ReadonlySet<string>,
  ): Promise<CascadeRunView['error']> {
    for (const [i, shard] of spec.dataset.shards.entries()) {
      if (written.has(this.layout.cascadeShardKey(spec.tenant, spec.id, shard.id))) continue;
      const jobId = cascadeJobId(spec.tenant, spec.id, i);
      const job = await this.queues.job(QueueName.Cascade, jobId);
      if (job && (await job.getState()) === 'failed')
        return failureOf(job.failedReason, `shard '${shard.id}'`);
      if (!job)
        await this.queues.enqueue(
          QueueName.Cascade,
          {
            v: 1,
            tenant: spec.tenant,
            runId: spec.id,
            dataset: { name: spec.dataset.name },
            shard,
            saver: spec.saver,
            base: spec.base,
            threshold: spec.request.threshold,
            baseline: spec.request.baseline,
          },
          jobId,
        );
    }
    const { missing } = await this.missingRecords(spec);
    for (const work of missing) {
      const job = await this.queues.job(QueueName.Records, work.jobId);
      if (job && (await job.getState()) === 'failed')
        return failureOf(job.failedReason, `the records of shard '${work.shard.id}'`);
      if (!job)
        await this.queues.enqueue(
          QueueName.Records,
          { v: 1, dataset: { name: spec.dataset.name }, shard: work.shard, models: work.models },
          work.jobId,
        );
    }
    return undefined;
  }

  private async recordsReady(spec: CascadeRunSpec): Promise<boolean> {
    return (await this.missingRecords(spec)).missing.length === 0;
  }

  private async missingRecords(spec: CascadeRunSpec) {
    const models = [spec.saver, spec.base];
    const present = new Set<string>();
    for (const folder of recordFolders(this.layout, models, preprocessOf))
      for (const { key } of await this.store.listObjects(this.config.s3.bucket, folder))
        present.add(key);
    return findMissingRecords(this.layout, present, models, preprocessOf, [spec.dataset]);
  }
}

function failureOf(reason: string | undefined, what: string): { code: string; message: string } {
  try {
    const { code, message } = parseJobFailure(reason ?? '');
    return { code, message: `${what}: ${message}` };
  } catch {
    return { code: 'internal', message: `${what}: ${reason ?? 'the job failed'}` };
  }
}
