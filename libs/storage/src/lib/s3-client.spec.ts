import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3rver, S3RVER_CREDENTIALS, type S3rverHarness } from '../testing/s3rver-harness';
import { createS3Client } from './s3-client';
import { uploadFile, uploadObject } from './s3-upload';
import { StorageError, StorageErrorCode } from './storage-error';

describe('createS3Client', () => {
  it('applies the checksum and path-style settings', async () => {
    const custom = createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' });
    expect(await custom.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await custom.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(custom.config.forcePathStyle).toBe(true);
    const aws = createS3Client({ endpoint: '', region: 'eu-west-1' });
    expect(aws.config.forcePathStyle).toBe(false);
    expect(await aws.config.region()).toBe('eu-west-1');
    custom.destroy();
    aws.destroy();
  });

  it('refuses an empty region or a non-URL endpoint', () => {
    expect(() => createS3Client({ region: ' ' })).toThrow(/S3_REGION/);
    expect(() => createS3Client({ region: 'us-east-1', endpoint: 'localhost:4568' })).toThrow(
      expect.objectContaining({ code: StorageErrorCode.InvalidSettings }) as Error,
    );
  });
});

describe('uploads against s3rver', () => {
  let s3: S3rverHarness;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    dir = await mkdtemp(join(tmpdir(), 'tinysaver-upload-'));
  });

  afterAll(async () => {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function download(bucket: string, key: string): Promise<Buffer> {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  it('keeps a streamed PutObject intact (the default client stores aws-chunked framing in it)', async () => {
    const bucket = await s3.createBucket();
    const body = Buffer.from('hello world '.repeat(100));
    await s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'put.txt',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    expect(await download(bucket, 'put.txt')).toEqual(body);
  });

  it('uploads a stream with lib-storage', async () => {
    const bucket = await s3.createBucket();
    const bytes = createHash('sha512').update('x').digest();
    const chunks = Array.from({ length: 64 }, () => bytes);
    const result = await uploadObject(
      s3.client,
      { bucket, key: 'p/stream.bin' },
      Readable.from(chunks),
    );
    expect(result).toMatchObject({ bucket, key: 'p/stream.bin' });
    expect(await download(bucket, 'p/stream.bin')).toEqual(Buffer.concat(chunks));
  });

  it('uploads a file larger than one part (multipart)', async () => {
    const bucket = await s3.createBucket();
    const path = join(dir, 'big.bin');
    const big = Buffer.alloc(6 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await writeFile(path, big);
    await uploadFile(s3.client, path, { bucket, key: 'big.bin' });
    const back = await download(bucket, 'big.bin');
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  });

  it('names the object when an upload fails', async () => {
    const missing = `missing-${Date.now()}`;
    let caught: unknown;
    try {
      await uploadObject(s3.client, { bucket: missing, key: 'a/b.json' }, '{}');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe(StorageErrorCode.UploadFailed);
    expect((caught as StorageError).message).toMatch(
      new RegExp(`upload to s3://${missing}/a/b\\.json failed: NoSuchBucket`),
    );
  });

  it('uses explicit credentials when given', async () => {
    const client = createS3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    expect(await client.config.credentials()).toMatchObject(S3RVER_CREDENTIALS);
    client.destroy();
  });
});
