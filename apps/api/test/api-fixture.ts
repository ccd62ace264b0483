// A throwaway farm for API tests: s3rver with a fresh bucket, a unique queue prefix on the local
// Redis, the API in-process on a loopback port, and (on demand) real workers as child processes.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startS3rver, S3RVER_CREDENTIALS, type S3rverHarness } from '@tinysaver/storage/testing';
import { appMain, farmEnv, obliterateQueues, startApp, type AppProcess } from '@tinysaver/testkit';
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
  /** Redis key prefix of this farm's queues (unique per test file). */
  readonly queuePrefix: string;
  /** The running API (replaced by `restartApi`). */
  readonly app: NestExpressApplication;
  /** supertest agent with tenant `acme`'s key (or another tenant's). */
  as(tenant: keyof typeof KEYS): {
    get(path: string): request.Test;
    post(path: string): request.Test;
    delete(path: string): request.Test;
  };
  http(): ReturnType<typeof request>;
  put(key: string, body: Uint8Array | string): Promise<void>;
  uploadZooModel(name: string): Promise<string>;
  startWorker(extraEnv?: Record<string, string>): AppProcess;
  /** Closes the API and starts a new one with the same configuration (on another port). */
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

export async function startApiFarm(extraEnv: Record<string, string> = {}): Promise<ApiFarm> {
  const s3 = await startS3rver();
  const bucket = await s3.createBucket();
  const queuePrefix = `api-test-${randomBytes(5).toString('hex')}`;
  // A test that loses Redis on purpose brings its own (REDIS_URL in extraEnv).
  const redisUrl = extraEnv.REDIS_URL ?? REDIS_URL;
  const env = farmEnv({ redisUrl, queuePrefix, s3Endpoint: s3.endpoint, bucket });

  // The SDK's default credential chain reads these from the process environment.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  const config = readApiConfig({
    ...env,
    PORT: '0',
    API_KEYS: `acme:${KEYS.acme},globex:${KEYS.globex}`,
    ...extraEnv,
  });
  const listen = async () => {
    const started = await createApp(config);
    await started.listen(0, '127.0.0.1');
    return started;
  };
  let app = await listen();
  const workers: AppProcess[] = [];
  let server = app.getHttpServer() as Parameters<typeof request>[0];
  const farm: ApiFarm = {
    s3,
    bucket,
    queuePrefix,
    get app() {
      return app;
    },
    as(tenant) {
      const auth = `Bearer ${KEYS[tenant]}`;
      return {
        get: (path) => request(server).get(path).set('Authorization', auth),
        post: (path) => request(server).post(path).set('Authorization', auth),
        delete: (path) => request(server).delete(path).set('Authorization', auth),
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
    startWorker(extraEnv = {}) {
      const worker = startApp(appMain('worker'), {
        ...env,
        WORKER_LOCK_DURATION_MS: '3000',
        WORKER_STALLED_INTERVAL_MS: '1000',
        // Searches look for finished records often, so tests do not wait on the default 2 s.
        SEARCH_POLL_MS: '200',
        ...extraEnv,
      });
      workers.push(worker);
      return worker;
    },
    async restartApi() {
      await app.close();
      app = await listen();
      server = app.getHttpServer();
    },
    async stop() {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      await app.close();
      await obliterateQueues(redisUrl, queuePrefix);
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

/** An admin key for farms started with `{ ADMIN_KEYS: ADMIN_KEY }` (not a tenant's key). */
export const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** `Authorization` for HTTP Basic with any user and `password` (how browsers send admin keys). */
export const basicAuth = (password: string, user = 'ops') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * The value of the one series of `name` in Prometheus text whose labels include `labels`, or
 * undefined when there is none. Throws when several match (the test named too few labels).
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => {
      const found = new Map(
        [...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return Object.entries(labels).every(([key, value]) => found.get(key) === value);
    })
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  if (values.length > 1)
    throw new Error(`${values.length} series of ${name} match; name more labels`);
  return values[0];
}
