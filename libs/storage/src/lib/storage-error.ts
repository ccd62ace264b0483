import { CodedError } from '@tinysaver/errors';

/**
 * Every way S3 addressing or transfer can fail in the farm's storage helpers. The codes are
 * stable and machine-readable; each message names the object (`s3://bucket/key`) and the fix.
 */
export const StorageErrorCode = {
  /** Not an `s3://bucket[/prefix]` URI, or a bucket name S3 refuses. */
  InvalidS3Uri: 'invalid-s3-uri',
  /** An object name that would escape its prefix or is empty. */
  InvalidObjectName: 'invalid-object-name',
  /** Client settings that cannot work (empty region, malformed endpoint). */
  InvalidSettings: 'invalid-s3-settings',
  /** S3 refused or lost an upload; `cause` holds the SDK error. */
  UploadFailed: 'upload-failed',
} as const;

export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Raised by libs/storage; `code` is one of {@link StorageErrorCode}. */
export class StorageError extends CodedError<StorageErrorCode> {
  override readonly name = 'StorageError';
}
