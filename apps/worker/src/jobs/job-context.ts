import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from '@tinysaver/contracts';
import type { FarmLayout } from '@tinysaver/storage';
import type { ComputePool } from '../compute/compute-pool';
import type { WorkerConfig } from '../config/worker-config';
import type { ModelFiles } from '../storage/model-files';
import type { ObjectStore } from '../storage/object-store';

/** What every job processor needs: the worker's edges, built once in main. */
export interface JobContext {
  readonly config: WorkerConfig;
  readonly store: ObjectStore;
  readonly layout: FarmLayout;
  readonly models: ModelFiles;
  readonly pool: ComputePool;
}

/** Reports a fraction in [0, 1] of the job's work done. */
export type Progress = (done: number) => void;

/** A job's handle on BullMQ, for jobs that wait in steps or queue other jobs (the aggregate job). */
export interface JobControl {
  readonly job: Job;
  /** The lock token: needed to move the job back to delayed between steps. */
  readonly token: string | undefined;
  /** The producer side of a farm queue, on the worker's connection and prefix. */
  queue(name: QueueName): Queue;
  readonly redis: Redis;
  readonly queuePrefix: string;
}
