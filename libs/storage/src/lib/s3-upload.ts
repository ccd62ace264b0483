import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { formatS3Uri } from './s3-uri';
import { StorageError, StorageErrorCode } from './storage-error';

export interface UploadTarget {
  readonly bucket: string;
  readonly key: string;
  /** @defaultValue `application/octet-stream` */
  readonly contentType?: string;
}

export interface UploadResult {
  readonly bucket: string;
  readonly key: string;
  /** As S3 reports it: a quoted md5 for single-part uploads, `md5-of-parts-N` on AWS for multipart; never assume it is the content's md5. */
  readonly etag: string | undefined;
}

/** Multipart part size: S3's 5 MiB minimum, so small shards go up as one PutObject. */
const PART_SIZE = 5 * 1024 * 1024;

/**
 * Uploads bytes or a stream with @aws-sdk/lib-storage (multipart above 5 MiB, parts in parallel,
 * aborted on failure). Failures become a {@link StorageError} naming the object, with the SDK
 * error as `cause`.
 */
export async function uploadObject(
  client: S3Client,
  target: UploadTarget,
  body: Readable | Uint8Array | string,
): Promise<UploadResult> {
  const uri = formatS3Uri(target.bucket, target.key);
  try {
    const upload = new Upload({
      client,
      params: {
        Bucket: target.bucket,
        Key: target.key,
        Body: body,
        ContentType: target.contentType ?? 'application/octet-stream',
      },
      partSize: PART_SIZE,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const result = await upload.done();
    return { bucket: target.bucket, key: target.key, etag: result.ETag };
  } catch (error) {
    const message = String((error as { message?: unknown } | null)?.message ?? error);
    const name = (error as { name?: unknown } | null)?.name;
    throw new StorageError(
      StorageErrorCode.UploadFailed,
      `upload to ${uri} failed: ${typeof name === 'string' && name !== 'Error' ? `${name}: ` : ''}${message}. Check that the bucket exists, the credentials may write to it, and S3_ENDPOINT/S3_REGION are right.`,
      { cause: error },
    );
  }
}

/** Uploads a local file (streamed, never read whole into memory). */
export function uploadFile(
  client: S3Client,
  path: string,
  target: UploadTarget,
): Promise<UploadResult> {
  return uploadObject(client, target, createReadStream(path));
}
