// A throwaway farm for API tests: s3rver with a fresh bucket, a unique queue prefix on the local
// Redis, the API in-process on a loopback port, and (on demand) real workers as child processes.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@tinysaver/contracts';
import { startS3rver, S3RVER_CREDENTIALS, type S3rverHarness } from '@tinysaver/storage/testing';
import { appMain, farmEnv, startApp, type AppProcess } from '@tinysaver/testkit';
import request from 'supertest';
import { readApiConfig } from '../src/config/api-config';
import { createApp } from '../src/create-app';

export const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures');
export const KEYS = {
  acme: 'acme-key-0123456789abcdef',
  globex: 'globex-key-0123456789abcdef',
} as const;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The `{ error: { code, message } }` every failure is rendered as. */
export const errorOf = (res: { body: unknown }) =>
  (res.body as { error: { code: string; message: string } }).error;

export interface ApiFarm {
  readonly s3: S3rverHarness;
  readonly bucket: string;
  readonly app: NestExpressApplication;
  /** supertest agent with tenant `acme`'s key (or another tenant's). */
  as(tenant: keyof typeof KEYS): {
    get(path: string): request.Test;
    post(path: string): request.Test;
  };
  http(): ReturnType<typeof request>;
  put(key: string, body: Uint8Array | string): Promise<void>;
  uploadZooModel(name: string): Promise<string>;
  startWorker(): AppProcess;
  stop(): Promise<void>;
}

export async function startApiFarm(extraEnv: Record<string, string> = {}): Promise<ApiFarm> {
  const s3 = await startS3rver();
  const bucket = await s3.createBucket();
  const queuePrefix = `api-test-${randomBytes(5).toString('hex')}`;
  const env = farmEnv({ redisUrl: REDIS_URL, queuePrefix, s3Endpoint: s3.endpoint, bucket });

  // The SDK's default credential chain reads these from the process environment.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const config = readApiConfig({
    ...env,
    PORT: '0',
    API_KEYS: `acme:${KEYS.acme},globex:${KEYS.globex}`,
    ...extraEnv,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const workers: AppProcess[] = [];
  const server = app.getHttpServer() as Parameters<typeof request>[0];
  const farm: ApiFarm = {
    s3,
    bucket,
    app,
    as(tenant) {
      const auth = `Bearer ${KEYS[tenant]}`;
      return {
        get: (path) => request(server).get(path).set('Authorization', auth),
        post: (path) => request(server).post(path).set('Authorization', auth),
      };
    },
    http: () => request(server),
    async put(key, body) {
      await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async uploadZooModel(name) {
      const key = `farm/uploads/${name}.onnx`;
      await farm.put(key, await readFile(join(FIXTURES, 'zoo', 'models', `${name}.onnx`)));
      return `s3://${bucket}/${key}`;
    },
    startWorker() {
      const worker = startApp(appMain('worker'), {
        ...env,
        WORKER_LOCK_DURATION_MS: '3000',
        WORKER_STALLED_INTERVAL_MS: '1000',
      });
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await app.close();
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      for (const name of QUEUE_NAMES) {
        const queue = new Queue(name, { connection: redis, prefix: queuePrefix });
        await queue.obliterate({ force: true });
        await queue.close();
      }
      redis.disconnect();
      await s3.stop();
    },
  };
  return farm;
}

/** Polls `check` until it returns a value (with a deadline: never an unbounded wait). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
