// An s3rver (on 127.0.0.1 and a free port unless told otherwise) with its own temporary directory,
// for tests that need a real S3 API. Each test takes a fresh bucket; stop() removes buckets, server and directory.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createS3Client } from '../lib/s3-client';

/** The slice of s3rver's API we use (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  readonly httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => S3rverInstance;

/** s3rver accepts any credentials; these keep the SDK from searching the environment. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverHarness {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Creates a bucket (with a unique name unless given one) and returns the name. */
  createBucket(name?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface S3rverOptions {
  /**
   * Keep the data here across runs (the demo's stored records); without it, a temporary
   * directory that stop() removes with every bucket the harness created.
   */
  readonly directory?: string;
  /** Where to listen. @defaultValue '127.0.0.1' ('0.0.0.0' for a test host others dial into) */
  readonly address?: string;
  /** @defaultValue 0 (any free port) */
  readonly port?: number;
}

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHarness> {
  const S3rver = createRequire(__filename)('s3rver') as S3rverConstructor;
  const kept = options.directory !== undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'tinysaver-s3rver-')));
  const server = new S3rver({
    address: options.address ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
  });
  const { port } = await server.run();
  // Listening on every address of a host still answers on its loopback.
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  const buckets: string[] = [];
  return {
    endpoint,
    client,
    async createBucket(name) {
      const bucket = name ?? `test-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      buckets.push(bucket);
      return bucket;
    },
    async stop() {
      try {
        for (const bucket of buckets) {
          // One unpaginated page is enough for a test bucket (pagination needs openssl's legacy provider).
          const listed = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }),
          );
          for (const object of listed.Contents ?? []) {
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
          }
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
      } finally {
        client.destroy();
        server.httpServer?.closeAllConnections();
        await server.close();
        if (!kept) await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
