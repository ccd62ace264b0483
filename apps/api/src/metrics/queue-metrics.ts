import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Job, Queue, QueueEvents, type JobType } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QUEUE_NAMES, type QueueName } from '@tinysaver/contracts';
import { ApiError } from '../common/api-error';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';
import { RedisToken } from '../queues/redis.provider';
import type { QueueBacklog } from './backlog';
import { METRIC_PREFIX } from './metrics-registry';

/**
 * Every state a job can be counted in. `paused` is absent from BullMQ 6's JobType but its
 * getCounts script still counts the list a paused queue moves its waiting jobs to.
 */
const STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'failed',
  'completed',
  'paused',
  'waiting-children',
] as JobType[];

/** A scrape or a start never waits on a Redis that is down (ioredis queues commands meanwhile). */
const REDIS_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), REDIS_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Queue depth per state (read from Redis at scrape time, so every replica reports the same
 * truth) and finished jobs with their run time (from BullMQ's event stream of each queue).
 * Every API replica sees every event: aggregate jobs_finished_total with max(), not sum().
 */
@Injectable()
export class QueueMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(QueueMetrics.name);
  private readonly queues: Queue[];
  private readonly events: QueueEvents[] = [];
  private readonly finished: Counter<'queue' | 'outcome'>;
  private readonly duration: Histogram<'queue'>;

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    @Inject(RedisToken) private readonly redis: Redis,
    registry: Registry,
  ) {
    // QUEUE_NAMES, not a list of our own: a queue added to the contract is measured too.
    this.queues = QUEUE_NAMES.map(
      (name) => new Queue(name, { connection: redis, prefix: config.queuePrefix }),
    );
    const depth: Gauge<'queue' | 'state'> = new Gauge({
      name: `${METRIC_PREFIX}queue_jobs`,
      help: 'Jobs in each queue by state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers: [registry],
      collect: () => this.countJobs(depth),
    });
    this.finished = new Counter({
      name: `${METRIC_PREFIX}jobs_finished_total`,
      help: 'Jobs that finished since this API started, by outcome (failed = out of attempts).',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}job_duration_seconds`,
      help: "Run time of finished jobs' last attempt (finishedOn - processedOn).",
      labelNames: ['queue'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    });
  }

  private async countJobs(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    try {
      const counts = await withTimeout(
        Promise.all(this.queues.map((queue) => queue.getJobCounts(...STATES))),
        'queue counts',
      );
      for (const [i, queue] of this.queues.entries())
        for (const state of STATES) gauge.set({ queue: queue.name, state }, counts[i][state] ?? 0);
    } catch (error) {
      // The rest of the scrape (HTTP, process) still answers; the queue series are left out.
      this.logger.warn(`queue counts left out of /metrics: ${(error as Error).message}`);
    }
  }

  /** Waiting, prioritized and active jobs of `names`; 503 `queue-unavailable` when Redis does not answer. */
  async backlog(names: readonly QueueName[]): Promise<Map<QueueName, QueueBacklog>> {
    const queues = this.queues.filter((queue) => names.includes(queue.name as QueueName));
    const counts = await withTimeout(
      Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'prioritized', 'active'))),
      'queue counts',
    ).catch((error: Error) => {
      throw new ApiError(
        503,
        'queue-unavailable',
        `Redis did not answer the queue counts (${error.message}); retry shortly (an autoscaler keeps its fallback replicas meanwhile).`,
      );
    });
    return new Map(
      queues.map((queue, i) => [
        queue.name as QueueName,
        {
          waiting: counts[i].waiting ?? 0,
          prioritized: counts[i].prioritized ?? 0,
          active: counts[i].active ?? 0,
        },
      ]),
    );
  }

  async onModuleInit(): Promise<void> {
    for (const queue of this.queues) {
      // QueueEvents only sees events added after its first blocking read, which starts a moment
      // after construction: with the default '$' a job finishing meanwhile — after the API
      // already answers — would go uncounted. Reading from the stream's last id as of now
      // makes it exact: every job that finishes after start-up is seen. (Jobs that finished
      // while no API ran are not: counters restart with the process, as Prometheus expects.)
      const lastEventId = await withTimeout(
        this.redis.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1),
        'reading the event stream',
      ).then(
        (last) => last[0]?.[0] ?? '0-0',
        (error: unknown) => {
          this.logger.warn(`${queue.name}: counting events from now on (${String(error)})`);
          return '$';
        },
      );
      // Given a client, BullMQ duplicates it for QueueEvents (the same REDIS_URL and options):
      // the blocking XREAD needs a connection of its own, which close() then quits.
      const events = new QueueEvents(queue.name, {
        connection: this.redis,
        prefix: this.config.queuePrefix,
        lastEventId,
      });
      events.on('error', (error) => this.logger.warn(`${queue.name} events: ${error.message}`));
      events.on('completed', ({ jobId }) => this.record(queue, jobId, 'completed'));
      events.on('failed', ({ jobId }) => this.record(queue, jobId, 'failed'));
      this.events.push(events);
    }
  }

  /** BullMQ's 'failed' event comes once per job, when it is out of attempts (not per retry). */
  private record(queue: Queue, jobId: string, outcome: 'completed' | 'failed'): void {
    this.finished.inc({ queue: queue.name, outcome });
    Job.fromId(queue, jobId).then(
      (job) => {
        // Gone already (removeOnComplete, obliterate): its run time is not known, so left out.
        if (!job?.finishedOn || !job.processedOn) return;
        this.duration.observe({ queue: queue.name }, (job.finishedOn - job.processedOn) / 1000);
      },
      (error: unknown) => this.logger.warn(`${queue.name} job ${jobId}: ${String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.events.map((events) => events.close()));
    // The queues share the API's Redis connection (JobQueues closes it): only the handles here.
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
