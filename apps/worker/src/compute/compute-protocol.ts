// Messages between the job side (main thread: BullMQ, S3, tar parsing) and the compute threads
// (image decoding and onnxruntime, which runs synchronously on the thread that calls it).
import type { ResolvedPreprocess } from '@tinysaver/cascade';
import type { JobFailureCode, ModelProfileDocument } from '@tinysaver/contracts';
import type { ImageExtension } from '@tinysaver/webdataset';
import type { ExecutionProvider } from '../config/worker-config';

type ReadyProfile = Extract<ModelProfileDocument, { status: 'ready' }>;

/** Settings every compute thread starts with (its workerData). */
export interface ThreadSettings {
  readonly intraOpThreads: number;
  readonly ortSpinning: boolean;
  readonly decodeThreads: number;
  readonly executionProviders: readonly ExecutionProvider[];
  readonly sessionCacheBytes: number;
  /**
   * One Int32 shared by the pool and all threads: set to 1 when the worker shuts down, checked
   * between batches. A thread must not be terminated inside onnxruntime (the process aborts).
   */
  readonly cancel: SharedArrayBuffer;
}

/** A verified model file on local disk. */
export interface ModelFile {
  readonly name: string;
  readonly sha256: string;
  readonly path: string;
  readonly bytes: number;
}

/** Models that share one preprocessing: each image is decoded once for all of them. */
export interface RunGroup {
  readonly preprocess: ResolvedPreprocess;
  readonly models: readonly ModelFile[];
}

export interface RunTask {
  readonly kind: 'run';
  /** The shard, for messages. */
  readonly source: string;
  readonly keys: readonly string[];
  readonly images: readonly Uint8Array[];
  readonly extensions: readonly ImageExtension[];
  readonly groups: readonly RunGroup[];
  readonly k: number;
  readonly batchSize: number;
}

export interface ModelOutput {
  readonly sha256: string;
  readonly numClasses: number;
  readonly topClasses: Int32Array;
  readonly topProbs: Float32Array;
  /** Time inside session.run for this model. */
  readonly inferMs: number;
  /** The execution provider the session was created with (after any fallback). */
  readonly provider: ExecutionProvider;
}

export interface RunResult {
  readonly outputs: readonly ModelOutput[];
  /** Time the thread waited for decoded batches (decoding overlaps inference where it can). */
  readonly decodeWaitMs: number;
  /** Images decoded: once per image and distinct preprocessing, however many models share it. */
  readonly decodedImages: number;
  readonly wallMs: number;
}

export interface ProfileTask {
  readonly kind: 'profile';
  readonly model: ModelFile;
  readonly preprocess: ResolvedPreprocess;
}

/** The profile job's document fields that the compute thread measures. */
export type ProfileResult = Omit<ReadyProfile, 'status' | 'sha256'>;

export type ComputeTask = RunTask | ProfileTask;
export type ComputeResult<T extends ComputeTask> = T extends RunTask ? RunResult : ProfileResult;

export interface SerializedFailure {
  readonly code: JobFailureCode;
  readonly message: string;
  readonly retryable: boolean;
}

export type ToThread = { readonly id: number; readonly task: ComputeTask };
export type FromThread =
  | { readonly id: number; readonly type: 'progress'; readonly done: number }
  | { readonly id: number; readonly type: 'done'; readonly result: RunResult | ProfileResult }
  | { readonly id: number; readonly type: 'failed'; readonly failure: SerializedFailure }
  | { readonly type: 'log'; readonly level: 'warn' | 'info'; readonly message: string };
