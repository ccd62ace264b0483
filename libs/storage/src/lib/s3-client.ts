import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StorageError, StorageErrorCode } from './storage-error';

export interface S3ClientSettings {
  /** Custom endpoint (MinIO, s3rver, Ceph); undefined or empty = AWS. */
  readonly endpoint?: string;
  readonly region: string;
  /**
   * Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key`. Local and most
   * self-hosted servers need it. @defaultValue true when `endpoint` is set, false for AWS
   */
  readonly forcePathStyle?: boolean;
  /** Explicit credentials; when absent the SDK's default chain (env, profile, instance role) is used. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Abort a request when its socket is idle this long, as a retryable error. The SDK's handler
   * only logs a warning on its request timeout unless told to throw. @defaultValue no timeout
   */
  readonly requestTimeoutMs?: number;
  /** Attempts per request (the SDK retries 5xx, throttling and network errors). @defaultValue 3 */
  readonly maxAttempts?: number;
}

/**
 * The one way the farm builds an S3 client. Checksums are computed and validated only when an
 * operation requires them: with the SDK's default ("when supported"), streamed uploads are sent
 * with aws-chunked framing that s3rver and some S3-compatible servers store *inside* the object,
 * silently corrupting it (see shared/docs/STACK.md).
 */
export function createS3Client(settings: S3ClientSettings): S3Client {
  const endpoint = settings.endpoint?.trim() ? settings.endpoint.trim() : undefined;
  if (!settings.region.trim()) {
    throw new StorageError(
      StorageErrorCode.InvalidSettings,
      'S3 region is empty; set S3_REGION (any value, e.g. us-east-1, for local servers).',
    );
  }
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new StorageError(
      StorageErrorCode.InvalidSettings,
      `S3 endpoint '${endpoint}' is not an http(s) URL; use e.g. http://127.0.0.1:4568 or leave it empty for AWS.`,
    );
  }
  return new S3Client({
    region: settings.region.trim(),
    endpoint,
    forcePathStyle: settings.forcePathStyle ?? endpoint !== undefined,
    credentials: settings.credentials
      ? {
          accessKeyId: settings.credentials.accessKeyId,
          secretAccessKey: settings.credentials.secretAccessKey,
        }
      : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: settings.maxAttempts,
    requestHandler:
      settings.requestTimeoutMs === undefined
        ? undefined
        : new NodeHttpHandler({
            connectionTimeout: settings.requestTimeoutMs,
            requestTimeout: settings.requestTimeoutMs,
            throwOnRequestTimeout: true,
          }),
  });
}
