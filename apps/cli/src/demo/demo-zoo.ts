// Registers the bundled zoo through the public API: each model by presigned upload, each split's
// shards as a dataset. Anything already registered by an earlier run is reused.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FarmApiError, type FarmClient } from '@tinysaver/client';
import type { ModelView } from '@tinysaver/contracts';
import { createS3Client, uploadObject } from '@tinysaver/storage';
import type { DemoFarm, Say } from './demo-farm';

export const REPO = join(__dirname, '..', '..', '..', '..');
const ZOO = join(REPO, 'fixtures', 'zoo');
export const SPLITS = ['selection', 'evaluation'] as const;

export interface ZooEntry {
  readonly name: string;
  readonly file: string;
  readonly macs: number;
  readonly preprocess: Record<string, unknown>;
}

export async function readZoo(): Promise<ZooEntry[]> {
  return (JSON.parse(await readFile(join(ZOO, 'manifest.json'), 'utf8')) as { models: ZooEntry[] })
    .models;
}

const exists = (error: unknown, code: string) =>
  error instanceof FarmApiError && error.code === code;

/** Registers a model without a URI and PUTs its bytes to the presigned URL the API hands out. */
async function registerModel(client: FarmClient, model: ZooEntry): Promise<void> {
  let view: ModelView;
  try {
    view = await client.registerModel({ name: model.name, preprocess: model.preprocess });
  } catch (error) {
    if (exists(error, 'model-exists')) return;
    throw error;
  }
  const put = await fetch(view.upload!.url, {
    method: 'PUT',
    body: await readFile(join(ZOO, model.file)),
  });
  if (!put.ok)
    throw new Error(`uploading ${model.name} to its presigned URL failed: HTTP ${put.status}`);
}

async function waitReady(client: FarmClient, names: readonly string[], say: Say): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    // The demo's s3rver writes objects in place: a read racing the worker's write of a profile
    // sees half of it and the API answers 503 storage-unavailable. That round counts as pending.
    const models = await Promise.all(names.map((n) => client.model(n))).catch((error: unknown) => {
      if (exists(error, 'storage-unavailable')) return undefined;
      throw error;
    });
    const invalid = models?.find((m) => m.status === 'invalid');
    if (invalid)
      throw new Error(`model ${invalid.name} is invalid: ${invalid.reason?.message ?? ''}`);
    const pending = models ? models.filter((m) => m.status !== 'ready').map((m) => m.name) : names;
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`models still not ready: ${pending.join(', ')}`);
    say(`  waiting for ${pending.length} model profile(s)…`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Puts a split's shards and manifest under the farm bucket and registers them as a dataset. */
async function registerSplit(
  client: FarmClient,
  farm: DemoFarm,
  split: (typeof SPLITS)[number],
): Promise<string> {
  const name = `fashion-mnist-${split}`;
  const { bucket, prefix, endpoint, credentials } = farm.s3;
  const folder = `${prefix}/datasets/${name}`;
  try {
    await client.registerDataset({ name, uri: `s3://${bucket}/${folder}` });
    return name;
  } catch (error) {
    if (exists(error, 'dataset-exists')) return name;
    if (!exists(error, 'no-shards')) throw error;
  }
  const s3 = createS3Client({
    endpoint,
    region: process.env.S3_REGION ?? 'us-east-1',
    credentials,
  });
  try {
    const dir = join(REPO, 'fixtures', 'datasets', name);
    for (const file of await readdir(dir))
      await uploadObject(s3, { bucket, key: `${folder}/${file}` }, await readFile(join(dir, file)));
  } finally {
    s3.destroy();
  }
  await client.registerDataset({ name, uri: `s3://${bucket}/${folder}` });
  return name;
}

/** The zoo's models (ready) and both splits (registered), by name. */
export async function registerZoo(
  client: FarmClient,
  farm: DemoFarm,
  say: Say,
): Promise<{ models: ZooEntry[]; selection: string; evaluation: string }> {
  const models = await readZoo();
  for (const model of models) await registerModel(client, model);
  say(`Models: ${models.length} registered (presigned uploads), profiling…`);
  await waitReady(
    client,
    models.map((m) => m.name),
    say,
  );
  const [selection, evaluation] = [
    await registerSplit(client, farm, 'selection'),
    await registerSplit(client, farm, 'evaluation'),
  ];
  say(`Datasets: ${selection}, ${evaluation}`);
  return { models, selection, evaluation };
}
