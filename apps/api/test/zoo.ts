import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelView } from '../src/models/model-document';
import type { ApiFarm, KEYS } from './api-fixture';
import { errorOf, eventually, FIXTURES } from './api-fixture';

export interface ZooModel {
  name: string;
  sha256: string;
  macs: number;
  preprocess: Record<string, unknown>;
  accuracy: { selection: number; evaluation: number };
}

export async function readZooManifest(): Promise<ZooModel[]> {
  return (
    JSON.parse(await readFile(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8')) as {
      models: ZooModel[];
    }
  ).models;
}

/** Registers zoo models for a tenant and waits until a worker has profiled them all. */
export async function registerZooModels(
  farm: ApiFarm,
  tenant: keyof typeof KEYS,
  names: readonly string[],
): Promise<void> {
  const zoo = await readZooManifest();
  for (const name of names) {
    const model = zoo.find((m) => m.name === name)!;
    const uri = await farm.uploadZooModel(name);
    const res = await farm
      .as(tenant)
      .post('/v1/models')
      .send({ name, uri, preprocess: model.preprocess });
    if (res.status !== 202) throw new Error(`registering ${name}: ${JSON.stringify(res.body)}`);
  }
  await eventually(async () => {
    const res = await farm.as(tenant).get('/v1/models');
    // s3rver writes an object in place, so a read racing the worker's write of profile.json can
    // see half of it: the API answers 503 storage-unavailable (real S3's PUT is atomic). Ask again.
    if (res.status === 503 && errorOf(res).code === 'storage-unavailable') return undefined;
    if (res.status !== 200)
      throw new Error(`listing models: ${res.status} ${JSON.stringify(res.body)}`);
    const models = (res.body as { models: ModelView[] }).models;
    const pending = models.filter((m) => names.includes(m.name) && m.status !== 'ready');
    if (pending.some((m) => m.status === 'invalid'))
      throw new Error(`a zoo model is invalid: ${JSON.stringify(pending)}`);
    return pending.length === 0 ? true : undefined;
  }, 90_000);
}

/**
 * Registers some shards of a bundled split as a dataset (uploaded under its own prefix, without
 * the split's manifest, so only these shards count).
 */
export async function registerZooShards(
  farm: ApiFarm,
  tenant: keyof typeof KEYS,
  name: string,
  split: 'selection' | 'evaluation',
  shards: readonly number[],
): Promise<void> {
  const folder = `farm/datasets/${tenant}-${name}`;
  for (const i of shards) {
    const file = `${split}-${String(i).padStart(6, '0')}.tar.gz`;
    const bytes = await readFile(join(FIXTURES, 'datasets', `fashion-mnist-${split}`, file));
    await farm.put(`${folder}/${file}`, bytes);
  }
  const res = await farm
    .as(tenant)
    .post('/v1/datasets')
    .send({ name, uri: `s3://${farm.bucket}/${folder}`, numClasses: 10 });
  if (res.status !== 201) throw new Error(`registering ${name}: ${JSON.stringify(res.body)}`);
}
