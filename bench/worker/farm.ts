// A throwaway farm for the worker bench: s3rver with a fresh bucket, a unique BullMQ prefix on
// the local Redis, the built worker (apps/worker/dist/main.js) as a child process, and a way to
// run one records job, or several queued at once, and read back what they returned.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  JobName,
  parseJobPayload,
  QueueName,
  type ProfiledModelRef,
  type RecordsJob,
  type RecordsJobResult,
} from '@tinysaver/contracts';
import { farmEnv } from '@tinysaver/testkit';
import { startS3rver, type S3rverHarness } from '@tinysaver/storage/testing';

export const WORKER_DIST = join(__dirname, '..', '..', 'apps', 'worker', 'dist');
export const WORKER_MAIN = join(WORKER_DIST, 'main.js');

export interface FinishedJob {
  readonly result: RecordsJobResult;
  /** BullMQ's own stamps: `finishedOn − timestamp`, from queue.add to the completed state. */
  readonly enqueueToDoneMs: number;
}

/** One of several jobs enqueued together, with BullMQ's stamps (ms since the epoch). */
export interface QueuedJob {
  readonly result: RecordsJobResult;
  /** queue.add */
  readonly timestamp: number;
  /** The worker took the job (moved it to active). */
  readonly processedOn: number;
  /** The job completed. */
  readonly finishedOn: number;
}

/** What a records job needs to know of a model, besides its bytes. */
export type BenchFarmModel = Omit<ProfiledModelRef, 'object'> & { readonly bytes: Uint8Array };

export interface BenchFarm {
  readonly bucket: string;
  put(key: string, body: Uint8Array): Promise<string>;
  /** Uploads each model's bytes and returns the references a records job names them by. */
  uploadModels(models: readonly BenchFarmModel[]): Promise<Map<string, ProfiledModelRef>>;
  /** Runs one records job to completion (fails loudly when the job fails or times out). */
  records(job: RecordsJob, timeoutMs: number): Promise<FinishedJob>;
  /**
   * Enqueues all `jobs` in one addBulk and waits until every one completed (fails loudly when
   * one fails or they are not all done within `timeoutMs`); results in enqueue order.
   */
  recordsQueued(jobs: readonly RecordsJob[], timeoutMs: number): Promise<QueuedJob[]>;
  /** Deletes the records a job wrote, so the next identical job computes them again. */
  forget(result: RecordsJobResult): Promise<void>;
  /** Worker output so far (for failure messages). */
  readonly workerLines: string[];
  readonly workerPid: number;
  stop(): Promise<void>;
}

export async function startBenchFarm(
  redisUrl: string,
  workerEnv: Record<string, string>,
): Promise<BenchFarm> {
  let s3: S3rverHarness | undefined = await startS3rver();
  const bucket = await s3.createBucket();
  const prefix = `bench-${randomBytes(5).toString('hex')}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Records, { connection: redis, prefix });
  const lines: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ...farmEnv({ redisUrl, queuePrefix: prefix, s3Endpoint: s3.endpoint, bucket }),
      WORKER_QUEUES: QueueName.Records,
      ...workerEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let started: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(line);
      if (line.includes('"worker started"')) started();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    redis.disconnect();
    const harness = s3;
    s3 = undefined;
    await harness?.stop();
  };
  try {
    await Promise.race([
      ready,
      exited.then(() => {
        throw new Error(`the worker exited at start:\n${lines.join('\n')}`);
      }),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`the worker did not start in 30 s:\n${lines.join('\n')}`)),
          30_000,
        ),
      ),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }

  const put = async (key: string, body: Uint8Array) => {
    const out = await s3!.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
    );
    return out.ETag!;
  };
  return {
    bucket,
    workerLines: lines,
    workerPid: child.pid!,
    put,
    async uploadModels(models) {
      const refs = new Map<string, ProfiledModelRef>();
      for (const m of models) {
        const key = `uploads/models/${m.name}.onnx`;
        await put(key, m.bytes);
        refs.set(m.name, {
          name: m.name,
          sha256: m.sha256,
          object: { bucket, key },
          preprocess: m.preprocess,
          macs: m.macs,
          numClasses: m.numClasses,
        });
      }
      return refs;
    },
    async records(payload, timeoutMs) {
      parseJobPayload(QueueName.Records, payload);
      // One attempt: a bench run that needed a retry would time the retry, not the worker.
      const added = await queue.add(JobName[QueueName.Records], payload, {
        ...DEFAULT_JOB_OPTIONS,
        attempts: 1,
      });
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // State first, then the job: read the other way round, a job that completes in between
        // would show 'completed' without its returnvalue.
        const state = await queue.getJobState(added.id!);
        const job =
          state === 'completed' || state === 'failed'
            ? await Job.fromId<RecordsJob, RecordsJobResult>(queue, added.id!)
            : undefined;
        if (job && state === 'completed')
          return {
            result: job.returnvalue,
            enqueueToDoneMs: job.finishedOn! - job.timestamp,
          };
        if (job && state === 'failed')
          throw new Error(
            `records job ${added.id} failed: ${job.failedReason}\n${lines.slice(-20).join('\n')}`,
          );
        if (Date.now() > deadline)
          throw new Error(`records job ${added.id} still ${state} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async recordsQueued(payloads, timeoutMs) {
      for (const payload of payloads) parseJobPayload(QueueName.Records, payload);
      const added = await queue.addBulk(
        payloads.map((data) => ({
          name: JobName[QueueName.Records],
          data,
          opts: { ...DEFAULT_JOB_OPTIONS, attempts: 1 },
        })),
      );
      const deadline = Date.now() + timeoutMs;
      const done: QueuedJob[] = [];
      // One Redis call per poll: wait for each job in enqueue order (two run at once, so they
      // may complete in either order; one already done is found on its first poll).
      for (const { id } of added) {
        for (;;) {
          const state = await queue.getJobState(id!);
          const job =
            state === 'completed' || state === 'failed'
              ? await Job.fromId<RecordsJob, RecordsJobResult>(queue, id!)
              : undefined;
          if (job && state === 'completed') {
            done.push({
              result: job.returnvalue,
              timestamp: job.timestamp,
              processedOn: job.processedOn!,
              finishedOn: job.finishedOn!,
            });
            break;
          }
          if (job && state === 'failed')
            throw new Error(
              `records job ${id} failed: ${job.failedReason}\n${lines.slice(-20).join('\n')}`,
            );
          if (Date.now() > deadline)
            throw new Error(
              `records job ${id} (of ${added.length} queued) still ${state} after ${timeoutMs} ms`,
            );
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      return done;
    },
    async forget(result) {
      for (const { key } of result.computed)
        await s3!.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    stop,
  };
}
