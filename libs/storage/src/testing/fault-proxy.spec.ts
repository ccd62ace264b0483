import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createS3Client } from '../lib/s3-client';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';
import { startS3rver, S3RVER_CREDENTIALS, type S3rverHarness } from './s3rver-harness';

/** What the SDK attaches to service and network errors. */
interface SdkError extends Error {
  readonly $metadata?: { readonly httpStatusCode?: number };
}

describe('fault proxy in front of s3rver', () => {
  let s3: S3rverHarness;
  let proxies: FaultProxy[] = [];
  let clients: S3Client[] = [];

  beforeAll(async () => {
    s3 = await startS3rver();
  });

  afterAll(async () => {
    await s3.stop();
  });

  afterEach(async () => {
    for (const client of clients) client.destroy();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    proxies = [];
    clients = [];
  });

  async function proxy(options: Omit<FaultProxyOptions, 'target'> = {}): Promise<FaultProxy> {
    const started = await startFaultProxy({ target: s3.endpoint, ...options });
    proxies.push(started);
    return started;
  }

  /** createS3Client's settings, but one attempt so an injected fault reaches the caller. */
  function singleShotClient(endpoint: string, extra: Partial<S3ClientConfig> = {}): S3Client {
    const client = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { ...S3RVER_CREDENTIALS },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      ...extra,
    });
    clients.push(client);
    return client;
  }

  /** The error a call rejects with; fails the test if it resolves. */
  async function failure(call: Promise<unknown>): Promise<SdkError> {
    try {
      await call;
    } catch (error) {
      return error as SdkError;
    }
    throw new Error('expected the call to fail');
  }

  async function bytes(body: unknown): Promise<Buffer> {
    const stream = body as { transformToByteArray(): Promise<Uint8Array> };
    return Buffer.from(await stream.transformToByteArray());
  }

  async function putDirect(bucket: string, key: string, body: Buffer): Promise<void> {
    await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async function existsDirect(bucket: string, key: string): Promise<boolean> {
    try {
      await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as SdkError).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async function waitFor(condition: () => boolean): Promise<void> {
    const deadline = Date.now() + 2000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met within 2 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('passes PUT, GET (Range, If-Match, If-None-Match), HEAD, LIST and DELETE through intact', async () => {
    const bucket = await s3.createBucket();
    const faulty = await proxy();
    const client = createS3Client({
      endpoint: faulty.endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    clients.push(client);
    const body = randomBytes(200 * 1024);

    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'shards/a.bin', Body: body }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'shards/a.bin' }));
    expect((await bytes(got.Body)).equals(body)).toBe(true);

    const range = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'shards/a.bin', Range: 'bytes=1000-1999' }),
    );
    expect(range.$metadata.httpStatusCode).toBe(206);
    expect((await bytes(range.Body)).equals(body.subarray(1000, 2000))).toBe(true);

    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'shards/a.bin' }));
    expect(head).toMatchObject({ ContentLength: body.length, ETag: put.ETag });

    const matched = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'shards/a.bin', IfMatch: put.ETag }),
    );
    expect((await bytes(matched.Body)).length).toBe(body.length);
    // s3rver ignores If-Match but honours If-None-Match: proof conditional headers get through.
    const notModified = await failure(
      client.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'shards/a.bin', IfNoneMatch: put.ETag }),
      ),
    );
    expect(notModified.$metadata?.httpStatusCode).toBe(304);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['shards/a.bin']);
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'shards/a.bin' }));
    expect(await existsDirect(bucket, 'shards/a.bin')).toBe(false);

    expect(faulty.stats).toEqual({
      requests: 8,
      faults: 0,
      byKind: { 'error-503': 0, 'error-500': 0, reset: 0, stall: 0 },
    });
  });

  it('answers matching requests with an S3 503 or 500 without reaching the target', async () => {
    const bucket = await s3.createBucket();
    const shards = new RegExp(`^PUT /${bucket}/shards/`);
    const faulty = await proxy({ rules: [{ match: shards, rate: 1, kind: 'error-503' }] });
    const client = singleShotClient(faulty.endpoint);
    const put = (key: string) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: randomBytes(1024) }));

    const slowDown = await failure(put('shards/a.bin'));
    expect(slowDown).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(slowDown.message).toBe('injected fault');
    expect(await existsDirect(bucket, 'shards/a.bin')).toBe(false);

    await put('other/a.bin');
    expect(await existsDirect(bucket, 'other/a.bin')).toBe(true);

    faulty.setRules([{ match: shards, rate: 1, kind: 'error-500' }]);
    const internal = await failure(put('shards/b.bin'));
    expect(internal).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(faulty.stats).toMatchObject({
      requests: 3,
      faults: 2,
      byKind: { 'error-503': 1, 'error-500': 1 },
    });
  });

  it('fails a seeded fraction of requests, the same ones for the same seed', async () => {
    const bucket = await s3.createBucket();
    await putDirect(bucket, 'a.bin', randomBytes(16));

    async function faultPattern(seed: number): Promise<boolean[]> {
      const faulty = await proxy({
        seed,
        rules: [{ match: /^HEAD /, rate: 0.3, kind: 'error-503' }],
      });
      const client = singleShotClient(faulty.endpoint);
      const failed: boolean[] = [];
      for (let i = 0; i < 50; i += 1) {
        try {
          await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a.bin' }));
          failed.push(false);
        } catch (error) {
          expect((error as SdkError).$metadata?.httpStatusCode).toBe(503);
          failed.push(true);
        }
      }
      expect(faulty.stats.faults).toBe(failed.filter(Boolean).length);
      return failed;
    }

    const first = await faultPattern(42);
    const faults = first.filter(Boolean).length;
    expect(faults).toBeGreaterThan(0);
    expect(faults).toBeLessThan(50);
    expect(await faultPattern(42)).toEqual(first);
    expect(await faultPattern(43)).not.toEqual(first);
  });

  it('with limit 2 fails exactly the first two matching requests', async () => {
    const bucket = await s3.createBucket();
    await putDirect(bucket, 'a.bin', randomBytes(16));
    const faulty = await proxy({
      rules: [{ match: /^HEAD /, rate: 1, kind: 'error-500', limit: 2 }],
    });
    const client = singleShotClient(faulty.endpoint);
    const outcome = async (command: HeadObjectCommand | GetObjectCommand): Promise<number> => {
      try {
        const result = await client.send(command);
        return result.$metadata.httpStatusCode ?? 0;
      } catch (error) {
        return (error as SdkError).$metadata?.httpStatusCode ?? 0;
      }
    };
    const head = () => new HeadObjectCommand({ Bucket: bucket, Key: 'a.bin' });

    const statuses = [
      await outcome(head()),
      // Not matching: neither fails nor uses up the limit.
      await outcome(new GetObjectCommand({ Bucket: bucket, Key: 'a.bin' })),
      await outcome(head()),
      await outcome(head()),
      await outcome(head()),
    ];
    expect(statuses).toEqual([500, 200, 500, 200, 200]);
    expect(faulty.stats.byKind['error-500']).toBe(2);
  });

  it('stalls until the client times out, and stop() still closes stalled sockets', async () => {
    const bucket = await s3.createBucket();
    await putDirect(bucket, 'a.bin', randomBytes(16));
    const faulty = await proxy({ rules: [{ match: /^GET /, rate: 1, kind: 'stall' }] });
    // This SDK only warns when requestTimeout passes unless throwOnRequestTimeout is set.
    const client = singleShotClient(faulty.endpoint, {
      requestHandler: new NodeHttpHandler({ requestTimeout: 500, throwOnRequestTimeout: true }),
    });

    const started = Date.now();
    const timedOut = await failure(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.bin' })),
    );
    expect(timedOut.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);

    // A request with no timeout of its own: only stop() can end it.
    const hangs = new Promise<Error>((resolve, reject) => {
      const request = httpGet(`${faulty.endpoint}/${bucket}/a.bin`, () =>
        reject(new Error('answered')),
      );
      request.on('error', resolve);
    });
    await waitFor(() => faulty.stats.requests === 2);
    const stopping = Date.now();
    await faulty.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect((await hangs).message).toMatch(/socket hang up/);
    expect(faulty.stats.byKind.stall).toBe(2);
  });

  it('resets a PUT before answering and a GET in the middle of its body', async () => {
    const bucket = await s3.createBucket();
    const body = randomBytes(200 * 1024);
    await putDirect(bucket, 'a.bin', body);
    const faulty = await proxy({ rules: [{ rate: 1, kind: 'reset' }] });
    const client = singleShotClient(faulty.endpoint);

    const putError = await failure(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: 'b.bin', Body: randomBytes(1024) })),
    );
    expect(putError.$metadata?.httpStatusCode).toBeUndefined();
    expect(await existsDirect(bucket, 'b.bin')).toBe(false);

    // Headers (and part of the body) arrive, so send() resolves; reading the body fails.
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.bin' }));
    expect(got.ContentLength).toBe(body.length);
    await expect(bytes(got.Body)).rejects.toThrow();
    expect(faulty.stats.byKind.reset).toBe(2);
  });
});
