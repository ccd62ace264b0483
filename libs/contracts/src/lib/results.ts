// What each job returns (BullMQ's returnvalue) and the documents it writes. Types only: the
// worker produces them, the API reads them.
import type { ExecutionProviderName } from './providers';

export interface ComputedRecord {
  readonly model: string;
  readonly sha256: string;
  /** S3 key of the record (content-addressed). */
  readonly key: string;
  readonly samples: number;
  /** Top-1 correct on this shard: partial accuracies merge exactly as counts. */
  readonly correct: number;
  /** MACs spent computing it (samples × MACs per sample). */
  readonly macsSpent: number;
  readonly executionProvider: ExecutionProviderName;
  readonly inferMs: number;
}

export interface RecordsJobResult {
  readonly shard: string;
  readonly samples: number;
  /** Images decoded: samples × distinct preprocessings among the computed models. */
  readonly decodedImages: number;
  readonly computed: readonly ComputedRecord[];
  /** Records that already existed: not recomputed. */
  readonly reused: readonly {
    readonly model: string;
    readonly sha256: string;
    readonly key: string;
  }[];
  readonly timings: {
    readonly downloadMs: number;
    readonly decodeWaitMs: number;
    readonly computeMs: number;
    readonly wallMs: number;
    /** Longest the job thread's event loop was blocked: what BullMQ's lock renewal had to wait. */
    readonly maxEventLoopDelayMs: number;
  };
}

/** `profile.json` beside a model's document. */
export type ModelProfileDocument =
  | {
      readonly status: 'ready';
      readonly sha256: string;
      readonly macs: number;
      readonly flops: number;
      readonly params: number;
      readonly numClasses: number;
      readonly opset: number;
      readonly producer: string;
      /** False when some operators could not be costed (MACs are then a lower bound). */
      readonly complete: boolean;
      readonly input: { readonly name: string; readonly shape: readonly number[] };
      readonly output: { readonly name: string; readonly shape: readonly number[] };
      readonly executionProvider: ExecutionProviderName;
    }
  | {
      readonly status: 'invalid';
      readonly sha256: string;
      readonly code: string;
      readonly reason: string;
    };

export interface CascadeStage {
  readonly model: string;
  readonly samples: number;
  readonly correct: number;
  readonly macs: number;
  readonly wallMs: number;
  readonly executionProvider: ExecutionProviderName;
}

/** One shard's realised cascade: written per shard under the run, and returned by the job. */
export interface CascadeShardDocument {
  readonly runId: string;
  readonly dataset: string;
  readonly shard: string;
  readonly threshold: number;
  readonly samples: number;
  /** Keys of the samples the saver answered (confidence > threshold), in shard order. */
  readonly exitedKeys: readonly string[];
  readonly saver: CascadeStage;
  /** The base on the samples that did not exit. */
  readonly base: CascadeStage;
  /** Correct answers of the cascade (saver on exits, base on the rest). */
  readonly correct: number;
  readonly macs: number;
  /** The base alone on every sample, when asked for: the reference for the speed-up. */
  readonly baseline?: CascadeStage;
  readonly realisedSpeedup?: number;
}
