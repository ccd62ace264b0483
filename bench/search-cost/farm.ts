// One throwaway farm: the built API and N built worker processes (apps/*/dist, as child
// processes) on a queue prefix and an S3 prefix of their own, so its records start from nothing
// (a cold search) and its Redis keys can be dropped afterwards. The zoo models and the shards are
// uploaded once per bench under shared/, copied server-side below each farm's prefix (the API
// accepts only URIs inside the farm's storage) and registered through REST by URI.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FarmClient } from '@tinysaver/client';
import { farmEnv, freePort, startApp, type AppProcess } from '@tinysaver/testkit';
import { API_MAIN, dropPrefix, onCleanup, sleep, WORKER_MAIN } from '../api/common';
import { FIXTURES, SPLITS, type WorkerLayout, type ZooModel } from './config';

export const SHARED_MODELS = 'shared/models';
export const SHARED_DATASETS = 'shared/datasets';

/** Puts the zoo models and both splits' shards under shared/ once (not through the counter). */
export async function uploadSharedInputs(
  s3: S3Client,
  bucket: string,
  models: readonly ZooModel[],
): Promise<number> {
  for (const model of models)
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${SHARED_MODELS}/${model.name}.onnx`,
        Body: readFileSync(join(FIXTURES, 'zoo', model.file)),
      }),
    );
  let shards = 0;
  for (const split of SPLITS) {
    const dir = join(FIXTURES, 'datasets', `fashion-mnist-${split}`);
    // Every file, manifest.json included: the API reads the dataset's classes from it.
    for (const file of readdirSync(dir)) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${SHARED_DATASETS}/${split}/${file}`,
          Body: readFileSync(join(dir, file)),
        }),
      );
      if (file.endsWith('.tar.gz')) shards++;
    }
  }
  return shards;
}

/** Where a farm's copies of the inputs live, below its own prefix. */
export const FARM_INPUTS = 'inputs';

/** Copies shared/ below the farm's prefix (bench's own client: not counted as the farm's). */
async function copyInputs(s3: S3Client, bucket: string, s3Prefix: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'shared/' }));
  for (const { Key } of listed.Contents ?? [])
    await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        CopySource: `${bucket}/${Key!}`,
        Key: `${s3Prefix}/${FARM_INPUTS}/${Key!.slice('shared/'.length)}`,
      }),
    );
}

export interface FarmSetup {
  readonly s3: S3Client;
  readonly redisUrl: string;
  /** Where the apps send S3 requests (the counting proxy). */
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly layout: WorkerLayout;
  readonly models: readonly ZooModel[];
  readonly searchPollMs: number;
}

export interface Farm {
  readonly queuePrefix: string;
  /** S3_PREFIX of its apps: everything it writes (records included) lives below it. */
  readonly s3Prefix: string;
  readonly client: FarmClient;
  readonly api: AppProcess;
  readonly workers: readonly AppProcess[];
  /** pids of its API and worker processes. */
  pids(): number[];
  stop(): Promise<void>;
}

async function stopApp(app: AppProcess): Promise<void> {
  // SIGTERM drains the job in hand; nothing is in hand once a search has ended.
  const killer = setTimeout(() => void app.kill('SIGKILL'), 15_000);
  await app.kill('SIGTERM');
  clearTimeout(killer);
}

export async function startFarm(setup: FarmSetup): Promise<Farm> {
  const tag = randomBytes(4).toString('hex');
  const queuePrefix = `bench-search-cost-${tag}`;
  const s3Prefix = `farm-${tag}`;
  const env = {
    ...farmEnv({
      redisUrl: setup.redisUrl,
      queuePrefix,
      s3Endpoint: setup.s3Endpoint,
      bucket: setup.bucket,
    }),
    S3_PREFIX: s3Prefix,
  };
  const apps: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(apps.map(stopApp));
    await dropPrefix(setup.redisUrl, queuePrefix);
  };
  const unregister = onCleanup(`farm ${tag}`, stop);
  await copyInputs(setup.s3, setup.bucket, s3Prefix);

  const key = `bench-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const api = startApp(API_MAIN, { ...env, API_KEYS: `bench:${key}`, PORT: String(port) });
  apps.push(api);
  const { layout } = setup;
  const workers = Array.from({ length: layout.processes }, () =>
    startApp(WORKER_MAIN, {
      ...env,
      WORKER_CONCURRENCY: String(layout.concurrency),
      ORT_INTRA_OP_THREADS: String(layout.intraOpThreads),
      SEARCH_POLL_MS: String(setup.searchPollMs),
    }),
  );
  apps.push(...workers);
  await api.waitFor(/"api listening"/, 60_000);
  await Promise.all(workers.map((w) => w.waitFor(/"worker started"/, 60_000)));
  const client = new FarmClient({ api: `http://127.0.0.1:${port}`, key });
  await register(client, setup, `s3://${setup.bucket}/${s3Prefix}/${FARM_INPUTS}`);

  return {
    queuePrefix,
    s3Prefix,
    client,
    api,
    workers,
    pids: () => apps.map((a) => a.child.pid).filter((p): p is number => p !== undefined),
    async stop() {
      unregister();
      await stop();
    },
  };
}

/** The models by URI (a worker profiles each) and the two splits, through REST. */
async function register(client: FarmClient, setup: FarmSetup, inputs: string): Promise<void> {
  for (const model of setup.models)
    await client.registerModel({
      name: model.name,
      uri: `${inputs}/models/${model.name}.onnx`,
      preprocess: model.preprocess,
    });
  for (const deadline = Date.now() + 120_000; ; await sleep(200)) {
    const views = await client.models();
    const invalid = views.find((m) => m.status === 'invalid');
    if (invalid) throw new Error(`${invalid.name} is invalid: ${JSON.stringify(invalid.reason)}`);
    if (views.length === setup.models.length && views.every((m) => m.status === 'ready')) break;
    if (Date.now() > deadline) throw new Error('zoo models not profiled within 120 s');
  }
  for (const split of SPLITS)
    await client.registerDataset({
      name: split,
      uri: `${inputs}/datasets/${split}`,
    });
}
