import {
  GetObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectRef } from '@tinysaver/contracts';
import { JobFailureCode } from '@tinysaver/contracts';
import { formatS3Uri } from '@tinysaver/storage';
import { JobFailure, transient } from '../jobs/job-failure';

interface S3Fault {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  message?: string;
}

interface ReadOptions {
  /** The ETag the object must still have. */
  readonly ifMatch?: string;
  readonly maxBytes: number;
  /** What the object is, for messages ("shard", "model 'resnet50'"). */
  readonly what: string;
}

/**
 * Tries of one read or write before its failure goes to the job. The SDK already retries each
 * request, but not a body cut off mid-stream, and a job retry would redo the whole shard.
 */
const OBJECT_ATTEMPTS = 3;

async function retried<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof JobFailure && error.retryable) || attempt >= OBJECT_ATTEMPTS)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

const statusOf = (error: unknown) => (error as S3Fault | null)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown) => (error as S3Fault | null)?.name ?? 'Error';

/**
 * The worker's S3 reads and writes. Turns SDK errors into {@link JobFailure}s that name the
 * object: a missing or changed object is the user's to fix (no retry); anything else — 5xx,
 * throttling, resets, timeouts — is transient and retried by the job.
 */
export class ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (statusOf(error) === 404 || nameOf(error) === 'NotFound') return false;
      throw this.translate(error, 'HEAD', { bucket: this.bucket, key });
    }
  }

  /** Every key under `prefix` in the farm's bucket (all pages). */
  list(prefix: string): Promise<string[]> {
    return retried(async () => {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: prefix,
              ContinuationToken: token,
            }),
          );
          for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw this.translate(error, 'LIST', { bucket: this.bucket, key: prefix });
      }
      return keys;
    });
  }

  /** Deletes an object of the farm's bucket (no error when it is already gone). */
  remove(key: string): Promise<void> {
    return retried(async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (error) {
        throw this.translate(error, 'DELETE', { bucket: this.bucket, key });
      }
    });
  }

  /** Reads an object of the farm's bucket, or undefined when it does not exist. */
  async readIfExists(key: string, what: string, maxBytes: number): Promise<Buffer | undefined> {
    try {
      return await this.read({ bucket: this.bucket, key }, { what, maxBytes });
    } catch (error) {
      if (error instanceof JobFailure && error.code === JobFailureCode.ObjectMissing)
        return undefined;
      throw error;
    }
  }

  /** Reads a whole object (see readOnce), retrying transient faults a few times. */
  read(ref: ObjectRef, options: ReadOptions): Promise<Buffer> {
    return retried(() => this.readOnce(ref, options));
  }

  /** Writes a whole object; a key always gets the same bytes, so retrying is safe. */
  write(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    return retried(() => this.writeOnce(key, body, contentType));
  }

  /**
   * One read of a whole object. With `ifMatch`, S3 refuses it when the object no longer has that
   * ETag: the bytes a dataset was registered with are the only ones ever used.
   */
  private async readOnce(ref: ObjectRef, options: ReadOptions): Promise<Buffer> {
    const uri = formatS3Uri(ref.bucket, ref.key);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, IfMatch: options.ifMatch }),
      );
      // Some S3-compatible servers ignore If-Match; the ETag they return tells the same story.
      if (
        options.ifMatch !== undefined &&
        response.ETag !== undefined &&
        response.ETag !== options.ifMatch
      ) {
        (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw this.translate(
          { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } },
          'GET',
          ref,
          options.what,
        );
      }
      const length = response.ContentLength ?? 0;
      if (length > options.maxBytes) {
        (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new JobFailure(
          JobFailureCode.ObjectTooLarge,
          `${options.what} ${uri} is ${length} bytes, over this worker's limit of ${options.maxBytes}; split it or raise the limit (MAX_SHARD_MB / MAX_MODEL_MB).`,
        );
      }
      const chunks: Buffer[] = [];
      let received = 0;
      for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
        chunks.push(Buffer.from(chunk));
        received += chunk.length;
      }
      // A connection cut mid-body can end the stream early without an error on some servers.
      if (response.ContentLength !== undefined && received !== response.ContentLength)
        throw transient(
          `reading ${options.what} ${uri} ended after ${received} of ${response.ContentLength} bytes.`,
        );
      return Buffer.concat(chunks, received);
    } catch (error) {
      if (error instanceof JobFailure) throw error;
      throw this.translate(error, 'GET', ref, options.what);
    }
  }

  private async writeOnce(
    key: string,
    body: Uint8Array | string,
    contentType: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
        }),
      );
    } catch (error) {
      throw this.translate(error, 'PUT', { bucket: this.bucket, key });
    }
  }

  private translate(error: unknown, verb: string, ref: ObjectRef, what = 'object'): JobFailure {
    const uri = formatS3Uri(ref.bucket, ref.key);
    const status = statusOf(error);
    const name = nameOf(error);
    if (verb !== 'HEAD' && (status === 404 || name === 'NoSuchKey' || name === 'NoSuchBucket'))
      return new JobFailure(
        JobFailureCode.ObjectMissing,
        `${what} ${uri} does not exist (${name}); upload it again or register it anew.`,
        false,
        { cause: error },
      );
    if (status === 412 || name === 'PreconditionFailed')
      return new JobFailure(
        JobFailureCode.ObjectChanged,
        `${what} ${uri} changed after it was registered (its ETag no longer matches); register the dataset again so its shards are pinned to the new content.`,
        false,
        { cause: error },
      );
    if (status === 403 || name === 'AccessDenied')
      return new JobFailure(
        JobFailureCode.StorageUnavailable,
        `${verb} ${uri} was denied (${name}); give the worker's credentials read access to the data and write access to the farm prefix.`,
        false,
        { cause: error },
      );
    const detail = (error as S3Fault | null)?.message ?? String(error);
    return transient(
      `${verb} ${what} ${uri} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`,
      error,
    );
  }
}
