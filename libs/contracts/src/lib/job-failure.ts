import { ContractError, ContractErrorCode } from './contract-error';

/**
 * Why a job failed, as a stable code the API shows beside the message. Input problems are never
 * retried; `storage-unavailable` is what a transient fault becomes once retries run out.
 */
export const JobFailureCode = {
  PayloadInvalid: 'payload-invalid',
  ObjectMissing: 'object-missing',
  ObjectChanged: 'object-changed',
  ObjectTooLarge: 'object-too-large',
  StorageUnavailable: 'storage-unavailable',
  ModelSha256Mismatch: 'model-sha256-mismatch',
  ModelNotOnnx: 'model-not-onnx',
  ModelUnsupported: 'model-unsupported',
  ModelLoadFailed: 'model-load-failed',
  ModelOutputShape: 'model-output-shape',
  ModelInputShape: 'model-input-shape',
  ModelOutputInvalid: 'model-output-invalid',
  ShardInvalid: 'shard-invalid',
  ImageUndecodable: 'image-undecodable',
  LabelOutsideModel: 'label-outside-model',
  /** A search's spec is gone from S3 (deleted by hand): nothing to aggregate. */
  SearchMissing: 'search-missing',
  /** A search's records job failed for good; the message names the shard and the cause. */
  RecordsFailed: 'records-failed',
  /** Records exist but cannot be analysed together (different samples or labels). */
  AnalysisFailed: 'analysis-failed',
  Internal: 'internal',
} as const;
export type JobFailureCode = (typeof JobFailureCode)[keyof typeof JobFailureCode];

const CODES = new Set<string>(Object.values(JobFailureCode));
const FORM = /^\[([a-z0-9-]+)\] ([\s\S]*)$/;

/** The failed reason BullMQ stores: `[code] message`. */
export function formatJobFailure(code: JobFailureCode, message: string): string {
  return `[${code}] ${message}`;
}

/** Reads a failed reason back into code and message (the API's side of the contract). */
export function parseJobFailure(reason: string): { code: JobFailureCode; message: string } {
  const match = FORM.exec(reason);
  if (!match || !CODES.has(match[1]))
    throw new ContractError(
      ContractErrorCode.FailureUnparsable,
      `job failure '${reason.slice(0, 200)}' has no known [code] prefix; it did not come from a farm worker.`,
    );
  return { code: match[1] as JobFailureCode, message: match[2] };
}
