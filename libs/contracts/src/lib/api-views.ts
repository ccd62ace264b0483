// What the REST API answers with, shared by the API (which builds it) and its clients (CLI,
// demo, end-to-end tests), so both sides are checked by one compiler.
import type {
  CurveColumns,
  ResolvedPreprocess,
  SplitPoint,
  WhatIfAnswer,
} from '@tinysaver/cascade';
import type { ExecutionProviderName } from './providers';
import type { SearchRequest, SearchStatus } from './search';

/** Where and how to upload a model registered without a URI. */
export interface UploadInstructions {
  readonly method: 'PUT';
  readonly url: string;
  readonly expiresAt: string;
}

/** What the API shows of a model: the document plus the profile job's outcome. */
export interface ModelView {
  readonly name: string;
  readonly uri: string;
  readonly sha256?: string;
  readonly bytes?: number;
  readonly preprocess: ResolvedPreprocess;
  readonly registeredAt: string;
  readonly status: 'awaiting-upload' | 'profiling' | 'ready' | 'invalid';
  /** Status `awaiting-upload`: PUT the .onnx bytes here; the next read registers them. */
  readonly upload?: UploadInstructions;
  /** Why it cannot be used, with the failure code (status `invalid`). */
  readonly reason?: { readonly code: string; readonly message: string };
  readonly profile?: {
    readonly macs: number;
    readonly flops: number;
    readonly params: number;
    readonly classes: number;
    readonly inputSize: readonly number[];
    readonly complete: boolean;
    readonly executionProvider: string;
  };
}

/** One shard, pinned to the ETag it had at registration (workers read it with If-Match). */
export interface DatasetShard {
  readonly id: string;
  readonly key: string;
  readonly etag: string;
  readonly bytes: number;
  /** From the manifest, when there is one. */
  readonly samples?: number;
}

/** `dataset.json`: a tenant's registered dataset (durable, in S3). */
export interface DatasetDocument {
  readonly name: string;
  readonly uri: string;
  readonly bucket: string;
  readonly numClasses: number;
  readonly classes?: readonly string[];
  readonly samples?: number;
  readonly shards: readonly DatasetShard[];
  readonly registeredAt: string;
}

/** What `GET /v1/searches/{id}` shows. */
export interface SearchView {
  readonly id: string;
  readonly status: SearchStatus;
  /** Records present out of needed; `aggregating` once all exist and the analysis runs. */
  readonly progress: {
    readonly done: number;
    readonly total: number;
    readonly phase: 'records' | 'aggregating' | 'done';
  };
  readonly createdAt: string;
  readonly endedAt?: string;
  /** Why it failed: the code and the message of the job that failed (it names the object). */
  readonly error?: { readonly code: string; readonly message: string };
  readonly request: SearchRequest;
}

/** `POST /v1/cascade-runs` as accepted (defaults applied). */
export interface CascadeRunRequest {
  readonly base: string;
  readonly saver: string;
  readonly threshold: number;
  readonly dataset: string;
  readonly baseline: boolean;
}

export interface StageTotals {
  readonly model: string;
  readonly samples: number;
  readonly correct: number;
  readonly macs: number;
  readonly wallMs: number;
  readonly executionProviders: readonly ExecutionProviderName[];
}

/** The run's realised numbers, summed over its shards (counts, never averages). */
export interface RealisedCascade {
  readonly samples: number;
  readonly exits: number;
  readonly exitRatio: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Cascade MACs over base-alone MACs (METHOD's R). */
  readonly relativeCost: number;
  readonly macs: number;
  readonly wallMs: number;
  readonly saver: StageTotals;
  /** The base on the samples that did not exit. */
  readonly base: StageTotals;
  readonly baseline?: StageTotals;
  /** Base-alone wall time over cascade wall time. */
  readonly speedup?: number;
}

/** `result.json`: realised against simulated (from the two models' records). */
export interface CascadeRunResult {
  readonly realised: RealisedCascade;
  readonly simulated: SplitPoint;
  /** Realised minus simulated: zero when the records predict the deployment exactly. */
  readonly difference: { readonly exits: number; readonly correct: number };
}

export interface CascadeRunView {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'completed' | 'failed';
  readonly progress: { readonly shards: number; readonly total: number; readonly records: boolean };
  readonly createdAt: string;
  readonly request: CascadeRunRequest;
  readonly result?: CascadeRunResult;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface CurveView extends CurveColumns {
  readonly search: string;
  readonly base: string;
  readonly saver: string;
  readonly split: 'selection' | 'evaluation';
  readonly dataset: string;
  readonly exact: boolean;
}

export interface WhatIfView extends WhatIfAnswer {
  readonly search: string;
  readonly base: string;
  readonly saver: string;
}
