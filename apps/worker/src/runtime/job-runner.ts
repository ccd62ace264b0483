import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  ContractError,
  formatJobFailure,
  JobFailureCode,
  parseJobPayload,
  QueueName,
  type JobPayloads,
} from '@tinysaver/contracts';
import type { WorkerConfig } from '../config/worker-config';
import { processCascade } from '../jobs/cascade.processor';
import type { JobContext, Progress } from '../jobs/job-context';
import { JobFailure } from '../jobs/job-failure';
import { processProfile } from '../jobs/profile.processor';
import { processRecords } from '../jobs/records.processor';
import type { Log } from './logger';

type Handler<Q extends QueueName> = (
  ctx: JobContext,
  payload: JobPayloads[Q],
  progress: Progress,
) => Promise<unknown>;

/** Every queue's handler; the type makes a missing one a compile error, `start` checks again at boot. */
const HANDLERS: { [Q in QueueName]: Handler<Q> } = {
  [QueueName.Profile]: (ctx, payload) => processProfile(ctx, payload),
  [QueueName.Records]: processRecords,
  [QueueName.Cascade]: processCascade,
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

  constructor(
    private readonly ctx: JobContext,
    private readonly log: Log,
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
        workerOptions(config, this.connection),
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
      executionProviders: config.executionProviders,
    });
  }

  /** Stops taking jobs and waits for those in hand, up to the grace period. */
  async stop(graceMs: number): Promise<'drained' | 'timed-out'> {
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
    this.connection.disconnect();
    return outcome;
  }

  private async run(queue: QueueName, job: Job, token: string | undefined): Promise<unknown> {
    if (token !== undefined) this.active.set(job, token);
    try {
      return await this.process(queue, job);
    } finally {
      this.active.delete(job);
    }
  }

  private async process(queue: QueueName, job: Job): Promise<unknown> {
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
      return await handler(this.ctx, payload, progress);
    } catch (error) {
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

function workerOptions(config: WorkerConfig, connection: Redis) {
  return {
    connection,
    prefix: config.queuePrefix,
    // One job per compute thread, plus `prefetch` downloading its shard while the threads work.
    concurrency: config.computeThreads + config.prefetch,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: 2,
  };
}
