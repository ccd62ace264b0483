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
