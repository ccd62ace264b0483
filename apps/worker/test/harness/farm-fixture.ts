// A throwaway farm for one test file: s3rver with a fresh bucket, a unique BullMQ prefix on the
// local Redis, the bundled zoo and shards uploaded, and helpers to enqueue jobs and wait on them.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { resolvePreprocess, type PreprocessInput } from '@tinysaver/cascade';
import {
  DEFAULT_JOB_OPTIONS,
  JobName,
  parseJobPayload,
  QUEUE_NAMES,
  type JobPayloads,
  type ProfiledModelRef,
  type QueueName,
  type ShardRef,
} from '@tinysaver/contracts';
import { startS3rver, type S3rverHarness } from '@tinysaver/storage/testing';
import { appMain, farmEnv, startApp, type AppProcess } from '@tinysaver/testkit';

export const FIXTURES = join(__dirname, '..', '..', '..', '..', 'fixtures');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ZooModel {
  name: string;
  file: string;
  sha256: string;
  macs: number;
  preprocess: PreprocessInput;
  accuracy: { selection: number; evaluation: number };
}

export async function readZoo(): Promise<ZooModel[]> {
  const manifest = JSON.parse(await readFile(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8')) as {
    models: ZooModel[];
  };
  return manifest.models;
}

export interface Farm {
  readonly s3: S3rverHarness;
  readonly bucket: string;
  readonly prefix: string;
  readonly redis: Redis;
  queue(name: QueueName): Queue;
  /** Environment for a worker of this farm; `extra` overrides. */
  env(extra?: Record<string, string>): Record<string, string>;
  startWorker(extra?: Record<string, string>): AppProcess;
  put(key: string, body: Uint8Array | string): Promise<string>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Uploads a zoo model (or other bytes under its name) and returns its profiled reference. */
  zooModel(model: ZooModel, bytes?: Uint8Array): Promise<ProfiledModelRef>;
  /** Uploads a bundled shard (or replacement bytes) and returns its reference. */
  shard(
    split: 'selection' | 'evaluation',
    index: number,
    bytes?: Uint8Array,
    id?: string,
  ): Promise<ShardRef>;
  add<Q extends QueueName>(queue: Q, payload: JobPayloads[Q], jobId?: string): Promise<Job>;
  stop(): Promise<void>;
}

export async function startFarm(): Promise<Farm> {
  const s3 = await startS3rver();
  const bucket = await s3.createBucket();
  const prefix = `test-${randomBytes(5).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = new Map<QueueName, Queue>();
  const workers: AppProcess[] = [];
  const queue = (name: QueueName) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redis, prefix });
      queues.set(name, q);
    }
    return q;
  };
  const put = async (key: string, body: Uint8Array | string) => {
    const out = await s3.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
    return out.ETag!;
  };
  const farm: Farm = {
    s3,
    bucket,
    prefix,
    redis,
    queue,
    env: (extra = {}) => ({
      ...farmEnv({ redisUrl: REDIS_URL, queuePrefix: prefix, s3Endpoint: s3.endpoint, bucket }),
      WORKER_LOCK_DURATION_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      S3_REQUEST_TIMEOUT_MS: '3000',
      ...extra,
    }),
    startWorker(extra) {
      const worker = startApp(appMain('worker'), farm.env(extra));
      workers.push(worker);
      return worker;
    },
    put,
    async get(key) {
      const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async exists(key) {
      try {
        await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch {
        return false;
      }
    },
    async zooModel(model, bytes) {
      const body = bytes ?? (await readFile(join(FIXTURES, 'zoo', model.file)));
      const key = `uploads/models/${model.name}.onnx`;
      await put(key, body);
      return {
        name: model.name,
        sha256: model.sha256,
        object: { bucket, key },
        preprocess: resolvePreprocess(model.preprocess),
        macs: model.macs,
        numClasses: 10,
      };
    },
    async shard(split, index, bytes, id) {
      const file = `${split}-${String(index).padStart(6, '0')}.tar.gz`;
      const body =
        bytes ?? (await readFile(join(FIXTURES, 'datasets', `fashion-mnist-${split}`, file)));
      const name = id ?? file;
      const key = `uploads/datasets/${split}/${name}`;
      const etag = await put(key, body);
      return { id: name, object: { bucket, key }, etag };
    },
    async add(name, payload, jobId) {
      // Producers validate before enqueueing; the worker validates again on receipt.
      parseJobPayload(name, payload);
      return queue(name).add(JobName[name], payload, {
        ...DEFAULT_JOB_OPTIONS,
        backoff: { type: 'exponential', delay: 200 },
        jobId,
      });
    },
    async stop() {
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
      for (const name of QUEUE_NAMES) await queue(name).obliterate({ force: true });
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
      await s3.stop();
    },
  };
  return farm;
}

/** A finished job and how it finished (failedReason survives a retry that later succeeded). */
export type SettledJob = Job & { readonly state: 'completed' | 'failed' };

/** Polls a job's state until it settles (with a deadline: never an unbounded wait). */
export async function settled(queue: Queue, job: Job, timeoutMs = 60_000): Promise<SettledJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(job.id!);
    if (state === 'completed' || state === 'failed') {
      // Read the job after its state is final: data read before could predate the completion.
      const fresh = await Job.fromId(queue, job.id!);
      if (fresh) return Object.assign(fresh, { state });
    }
    if (Date.now() > deadline)
      throw new Error(`job ${job.id} still ${state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
