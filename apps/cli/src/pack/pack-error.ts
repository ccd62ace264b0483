import { CodedError } from '@tinysaver/errors';

/**
 * What can go wrong in `tinysaver pack` (all before any shard is written, except `upload-failed`). `usage` errors (bad flags,
 * bad S3 URI) exit with 2, the others with 1; every message says what to do.
 */
export const PackErrorCode = {
  Usage: 'usage',
  InputMissing: 'input-missing',
  InputEmpty: 'input-empty',
  ClassWithoutImages: 'class-without-images',
  NotAnImage: 'not-an-image',
  ImageContentMismatch: 'image-content-mismatch',
  OutputNotEmpty: 'output-not-empty',
  OutputInsideInput: 'output-inside-input',
  InvalidName: 'invalid-name',
  /** A hidden folder torchvision's ImageFolder would read and pack would skip. */
  HiddenFolder: 'hidden-folder',
  /** A symbolic link whose target does not exist. */
  BrokenLink: 'broken-link',
  /** <out> exists and is a file. */
  OutputNotFolder: 'output-not-folder',
  /** --to names a bucket that does not exist, or an endpoint that does not answer. */
  S3Unavailable: 's3-unavailable',
  /** Packing succeeded but uploading failed; the message says how to finish. */
  UploadFailed: 'upload-failed',
} as const;

export type PackErrorCode = (typeof PackErrorCode)[keyof typeof PackErrorCode];

export class PackError extends CodedError<PackErrorCode> {
  override readonly name = 'PackError';
}
