import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  JobName,
  parseJobPayload,
  QUEUE_NAMES,
  type JobPayloads,
  type QueueName,
} from '@tinysaver/contracts';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { RedisToken } from './redis.provider';

/** The producer side of the farm's queues: payloads validated against the contract before `add`. */
@Injectable()
export class JobQueues implements OnApplicationShutdown {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(
    @Inject(ApiConfigToken) config: ApiConfig,
    @Inject(RedisToken) private readonly redis: Redis,
  ) {
    this.queues = new Map(
      QUEUE_NAMES.map((name) => [
        name,
        new Queue(name, { connection: this.redis, prefix: config.queuePrefix }),
      ]),
    );
  }

  /** Adds a job; an existing `jobId` is left as it is (BullMQ's idempotent add). */
  enqueue<Q extends QueueName>(queue: Q, payload: JobPayloads[Q], jobId: string): Promise<Job> {
    const data = parseJobPayload(queue, payload);
    return this.queues.get(queue)!.add(JobName[queue], data, { ...DEFAULT_JOB_OPTIONS, jobId });
  }

  /**
   * Makes sure the work of `jobId` is queued or running: adds it when Redis has no such job, and
   * adds it afresh when the job already finished (its output is gone from S3, or Redis outlived
   * the S3 data it was for); a waiting or active job is left as it is.
   */
  async ensure<Q extends QueueName>(
    queue: Q,
    payload: JobPayloads[Q],
    jobId: string,
  ): Promise<void> {
    const existing = await this.job(queue, jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed') return;
      await existing.remove();
    }
    await this.enqueue(queue, payload, jobId);
  }

  /** A job of a farm queue by id, or undefined when Redis has no such job (finished and aged out, or lost). */
  async job(queue: QueueName, jobId: string): Promise<Job | undefined> {
    return (await this.queues.get(queue)!.getJob(jobId)) ?? undefined;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }
}
