import { CodedError } from '@tinysaver/errors';

/**
 * Every way plain data handed to libs/cascade can be wrong. The codes are stable and
 * machine-readable (the API and worker surface them as-is); each message names the fix.
 */
export const CascadeErrorCode = {
  RecordTruncated: 'record-truncated',
  RecordNotARecord: 'record-not-a-record',
  RecordVersion: 'record-unsupported-version',
  RecordChecksum: 'record-checksum-mismatch',
  RecordCorrupt: 'record-corrupt',
  RecordMismatch: 'record-identity-mismatch',
  RecordInvalid: 'record-invalid',
  LabelOutOfRange: 'label-out-of-range',
  MergeMismatch: 'merge-mismatch',
  DuplicateSampleKey: 'duplicate-sample-key',
  AlignMismatch: 'align-mismatch',
  InvalidCost: 'invalid-cost',
  InvalidThreshold: 'invalid-threshold',
  InvalidBudget: 'invalid-budget',
  EmptySplit: 'empty-split',
  SaverNotCheaper: 'saver-not-cheaper',
  InvalidArgument: 'invalid-argument',
  PreprocessInvalid: 'preprocess-invalid',
  LogitsInvalid: 'logits-invalid',
} as const;

export type CascadeErrorCode = (typeof CascadeErrorCode)[keyof typeof CascadeErrorCode];

/** Raised for input that cannot be analysed; `code` is one of {@link CascadeErrorCode}. */
export class CascadeError extends CodedError<CascadeErrorCode> {
  override readonly name = 'CascadeError';
}
