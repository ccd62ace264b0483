import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  ContractError,
  formatJobFailure,
  JobFailureCode,
  parseJobPayload,
  QueueName,
  type JobPayloads,
} from '@tinysaver/contracts';
import { processAggregate } from '../jobs/aggregate.processor';
import type { WorkerConfig } from '../config/worker-config';
import { processCascade } from '../jobs/cascade.processor';
import type { JobContext, JobControl, Progress } from '../jobs/job-context';
import { JobFailure } from '../jobs/job-failure';
import { processProfile } from '../jobs/profile.processor';
import { processRecords } from '../jobs/records.processor';
import type { Readiness } from './health-server';
import type { Log } from './logger';
import type { WorkerMetrics } from './worker-metrics';

type Handler<Q extends QueueName> = (
  ctx: JobContext,
  payload: JobPayloads[Q],
  progress: Progress,
  control: JobControl,
) => Promise<unknown>;

/** Every queue's handler; the type makes a missing one a compile error, `start` checks again at boot. */
const HANDLERS: { [Q in QueueName]: Handler<Q> } = {
  [QueueName.Profile]: (ctx, payload) => processProfile(ctx, payload),
  [QueueName.Records]: processRecords,
  [QueueName.Cascade]: processCascade,
  [QueueName.Aggregate]: (ctx, payload, _progress, control) =>
    processAggregate(ctx, payload, control),
};

/**
 * Runs a BullMQ worker per configured queue over one compute pool. Payloads are validated on
 * receipt; failures are sorted into "bad input" (UnrecoverableError: no retry) and transient
 * (plain Error: retried with the producer's backoff), each as `[code] message`.
 */
export class JobRunner {
  private readonly workers: Worker[] = [];
  /** Jobs being processed, with their lock tokens: what `stop` hands back on timeout. */
  private readonly active = new Map<Job, string>();
  private readonly connection: Redis;
  /** Producer queues for jobs that queue other jobs, created on first use. */
  private readonly producers = new Map<QueueName, Queue>();
  private draining = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly log: Log,
    private readonly metrics: WorkerMetrics,
  ) {
    this.connection = new Redis(ctx.config.redisUrl, { maxRetriesPerRequest: null });
  }

  start(): void {
    const { config } = this.ctx;
    for (const queue of config.queues) {
      if (typeof HANDLERS[queue] !== 'function') throw new Error(`no handler for queue ${queue}`);
      const worker = new Worker(
        queue,
        (job, token) => this.run(queue, job, token),
        workerOptions(config, this.connection, queue),
      );
      worker.on('failed', (job, error) =>
        this.log('warn', 'job failed', {
          queue,
          job: job?.id,
          attempt: job?.attemptsMade,
          error: error.message,
        }),
      );
      worker.on('completed', (job) => this.log('info', 'job completed', { queue, job: job.id }));
      worker.on('error', (error) =>
        this.log('error', 'queue error', { queue, error: error.message }),
      );
      this.workers.push(worker);
    }
    this.log('info', 'worker started', {
      queues: config.queues,
      computeThreads: config.computeThreads,
      intraOpThreads: config.intraOpThreads,
      ortSpinning: config.ortSpinning,
      executionProviders: config.executionProviders,
    });
  }

  /** Stops taking jobs and waits for those in hand, up to the grace period. */
  async stop(graceMs: number): Promise<'drained' | 'timed-out'> {
    this.draining = true;
    this.metrics.markDraining();
    const closing = Promise.all(this.workers.map((w) => w.close())).then(() => 'drained' as const);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), graceMs);
    });
    const outcome = await Promise.race([closing, timeout]);
    clearTimeout(timer);
    if (outcome === 'timed-out') {
      // Hand the unfinished jobs back at once rather than waiting for their locks to lapse.
      for (const [job, token] of this.active) {
        await job.moveToWait(token).catch((error: Error) =>
          this.log('warn', 'could not hand a job back; it will be retried once its lock lapses', {
            job: job.id,
            error: error.message,
          }),
        );
        this.log('info', 'job handed back', { job: job.id });
      }
    }
    await Promise.all([...this.producers.values()].map((q) => q.close()));
    this.connection.disconnect();
    return outcome;
  }

  /** Ready = Redis answers within 2 s and SIGTERM has not been received. */
  async readiness(): Promise<Readiness> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), 2_000);
    });
    // ioredis queues commands while it reconnects: never wait on a Redis that is down.
    const redis = await Promise.race([this.connection.ping(), timeout]).then(
      () => 'ok',
      (error: Error) => `unavailable: ${error.message}`,
    );
    clearTimeout(timer);
    const status = this.draining ? 'draining' : redis === 'ok' ? 'ok' : 'degraded';
    return { ready: status === 'ok', body: { status, redis, jobsInHand: this.active.size } };
  }

  private async run(queue: QueueName, job: Job, token: string | undefined): Promise<unknown> {
    if (token !== undefined) this.active.set(job, token);
    const ended = this.metrics.attemptStarted(queue);
    try {
      const result = await this.process(queue, job, token);
      ended('completed');
      return result;
    } catch (error) {
      ended(error instanceof DelayedError ? 'waiting' : 'failed');
      throw error;
    } finally {
      this.active.delete(job);
    }
  }

  private control(job: Job, token: string | undefined): JobControl {
    const { connection, producers } = this;
    const queuePrefix = this.ctx.config.queuePrefix;
    return {
      job,
      token,
      redis: connection,
      queuePrefix,
      queue(name) {
        let queue = producers.get(name);
        if (!queue) {
          queue = new Queue(name, { connection, prefix: queuePrefix });
          producers.set(name, queue);
        }
        return queue;
      },
    };
  }

  private async process(queue: QueueName, job: Job, token: string | undefined): Promise<unknown> {
    let payload: JobPayloads[typeof queue];
    try {
      payload = parseJobPayload(queue, job.data);
    } catch (error) {
      if (error instanceof ContractError)
        throw new UnrecoverableError(
          formatJobFailure(JobFailureCode.PayloadInvalid, error.message),
        );
      throw error;
    }
    let lastReport = 0;
    const progress: Progress = (done) => {
      const now = Date.now();
      if (now - lastReport < 500 && done < 1) return;
      lastReport = now;
      job.updateProgress(Math.round(done * 1000) / 10).catch(() => undefined);
    };
    try {
      const handler = HANDLERS[queue] as Handler<typeof queue>;
      return await handler(this.ctx, payload, progress, this.control(job, token));
    } catch (error) {
      // A step job waiting for its next turn, or a failure already sorted by the handler.
      if (error instanceof DelayedError || error instanceof UnrecoverableError) throw error;
      if (error instanceof JobFailure) {
        const reason = formatJobFailure(error.code, error.message);
        throw error.retryable ? new Error(reason) : new UnrecoverableError(reason);
      }
      throw new Error(
        formatJobFailure(JobFailureCode.Internal, (error as Error)?.stack ?? String(error)),
      );
    }
  }
}

function workerOptions(config: WorkerConfig, connection: Redis, queue: QueueName) {
  return {
    connection,
    prefix: config.queuePrefix,
    // One job per compute thread, plus `prefetch` downloading its shard while the threads work.
    // Aggregate jobs mostly wait for records; their analysis runs in its own thread.
    concurrency:
      queue === QueueName.Aggregate
        ? config.aggregateConcurrency
        : config.computeThreads + config.prefetch,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: 2,
  };
}
