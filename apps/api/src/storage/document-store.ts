import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Inject, Injectable } from '@nestjs/common';
import { formatS3Uri } from '@tinysaver/storage';
import { ApiError } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { S3ClientToken } from './s3-client.provider';

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

function unavailable(verb: string, uri: string, error: unknown): ApiError {
  const name = (error as { name?: string } | null)?.name ?? 'Error';
  return new ApiError(
    503,
    'storage-unavailable',
    `S3 failed on ${verb} ${uri} (${name}); try again shortly, and check S3_ENDPOINT and the API's credentials if it persists.`,
  );
}

/**
 * The API's S3 access: JSON documents in the farm's bucket, and reads of user objects it is
 * asked to register. S3 failures become 503 `storage-unavailable` naming the object.
 */
@Injectable()
export class DocumentStore {
  readonly bucket: string;

  constructor(
    @Inject(S3ClientToken) private readonly client: S3Client,
    @Inject(ApiConfigToken) config: ApiConfig,
  ) {
    this.bucket = config.s3.bucket;
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await out.Body!.transformToString()) as T;
    } catch (error) {
      if (status(error) === 404 || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw unavailable('GET', formatS3Uri(this.bucket, key), error);
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
    const body = JSON.stringify(value, null, 2);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw unavailable('PUT', formatS3Uri(this.bucket, key), error);
    }
  }

  /** Size and ETag of an object, or undefined when there is none. */
  async head(bucket: string, key: string): Promise<{ bytes: number; etag: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { bytes: out.ContentLength ?? 0, etag: out.ETag ?? '' };
    } catch (error) {
      if (status(error) === 404 || (error as { name?: string }).name === 'NotFound')
        return undefined;
      throw unavailable('HEAD', formatS3Uri(bucket, key), error);
    }
  }

  /** sha256 of an object's bytes, streamed (never held whole in memory). */
  async sha256(bucket: string, key: string): Promise<string> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of out.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('hex');
    } catch (error) {
      throw unavailable('GET', formatS3Uri(bucket, key), error);
    }
  }

  /** Deletes a document of the farm's bucket (no error when it is already gone). */
  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw unavailable('DELETE', formatS3Uri(this.bucket, key), error);
    }
  }

  /** Every object below `prefix` (paginated), with size and ETag. */
  async listObjects(
    bucket: string,
    prefix: string,
  ): Promise<{ key: string; bytes: number; etag: string }[]> {
    const objects: { key: string; bytes: number; etag: string }[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of out.Contents ?? [])
          objects.push({ key: o.Key!, bytes: o.Size ?? 0, etag: o.ETag ?? '' });
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw unavailable('LIST', formatS3Uri(bucket, prefix), error);
    }
    return objects;
  }

  /** An object's text, or undefined when there is none. */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToString();
    } catch (error) {
      if (status(error) === 404 || (error as { name?: string }).name === 'NoSuchKey')
        return undefined;
      throw unavailable('GET', formatS3Uri(bucket, key), error);
    }
  }

  /** The names of the "folders" directly below `prefix` (which ends with '/'). */
  async listFolders(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        );
        for (const p of out.CommonPrefixes ?? []) names.push(p.Prefix!.slice(prefix.length, -1));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw unavailable('LIST', formatS3Uri(this.bucket, prefix), error);
    }
    return names.sort();
  }

  /** A URL the caller can PUT an object to without credentials, valid `seconds`. */
  async presignPut(
    bucket: string,
    key: string,
    seconds: number,
  ): Promise<{ method: 'PUT'; url: string; expiresAt: string }> {
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({ Bucket: bucket, Key: key }),
      { expiresIn: seconds },
    );
    return { method: 'PUT', url, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}
