// The bundled zoo registered through the public API, as a user would: each model by presigned
// upload (then profiled by a worker), each split's shards put under the farm's bucket and
// registered as a dataset. Shared by the end-to-end and the multi-host tests.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { FarmApiError, type FarmClient } from '@tinysaver/client';
import type { SearchView } from '@tinysaver/contracts';
import { uploadObject } from '@tinysaver/storage';

export const REPO = join(__dirname, '..', '..');
export const SPLITS = ['selection', 'evaluation'] as const;

export interface ZooModel {
  readonly name: string;
  readonly file: string;
  readonly macs: number;
  readonly preprocess: Record<string, unknown>;
}

export async function readZoo(): Promise<ZooModel[]> {
  const manifest = await readFile(join(REPO, 'fixtures', 'zoo', 'manifest.json'), 'utf8');
  return (JSON.parse(manifest) as { models: ZooModel[] }).models;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers `models` and both splits (datasets named 'selection' and 'evaluation'). */
export async function registerZoo(
  client: FarmClient,
  s3: { readonly client: S3Client; readonly bucket: string; readonly folder: string },
  models: readonly ZooModel[],
): Promise<void> {
  for (const model of models) {
    const view = await client.registerModel({ name: model.name, preprocess: model.preprocess });
    const put = await fetch(view.upload!.url, {
      method: 'PUT',
      body: await readFile(join(REPO, 'fixtures', 'zoo', model.file)),
    });
    if (!put.ok) throw new Error(`uploading ${model.name}: HTTP ${put.status}`);
  }
  for (;;) {
    // s3rver writes objects in place: a read racing the worker's write of a profile sees half of
    // it, and the API answers 503 storage-unavailable (real S3's PUT is atomic). Ask again.
    const views = await client.models().catch((error: unknown) => {
      if (error instanceof FarmApiError && error.code === 'storage-unavailable') return undefined;
      throw error;
    });
    if (!views) {
      await pause(300);
      continue;
    }
    const invalid = views.find((m) => m.status === 'invalid');
    if (invalid) throw new Error(`${invalid.name} is invalid: ${JSON.stringify(invalid.reason)}`);
    if (views.every((m) => m.status === 'ready')) break;
    await pause(300);
  }
  for (const split of SPLITS) {
    const dir = join(REPO, 'fixtures', 'datasets', `fashion-mnist-${split}`);
    for (const file of await readdir(dir))
      await uploadObject(
        s3.client,
        { bucket: s3.bucket, key: `${s3.folder}/${split}/${file}` },
        await readFile(join(dir, file)),
      );
    await client.registerDataset({
      name: split,
      uri: `s3://${s3.bucket}/${s3.folder}/${split}`,
    });
  }
}

/** Polls a search until it is no longer queued or running. */
export async function searchEnded(
  client: FarmClient,
  id: string,
  pollMs = 300,
): Promise<SearchView> {
  for (;;) {
    const view = await client.search(id);
    if (!['queued', 'running'].includes(view.status)) return view;
    await pause(pollMs);
  }
}
