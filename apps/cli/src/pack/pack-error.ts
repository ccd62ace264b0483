/**
 * What can go wrong in `tinysaver pack` before any shard is written. `usage` errors (bad flags,
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
} as const;

export type PackErrorCode = (typeof PackErrorCode)[keyof typeof PackErrorCode];

export class PackError extends Error {
  override readonly name = 'PackError';

  constructor(
    readonly code: PackErrorCode,
    message: string,
  ) {
    super(message);
  }
}
