// Datasets through REST: a prefix of shards is listed, checked against its manifest and pinned to
// ETags; every way it can be wrong is a 4xx with a code and a sentence.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetDocument } from '../src/datasets/dataset-document';
import { FIXTURES, startApiFarm, type ApiFarm, errorOf } from './api-fixture';

jest.setTimeout(60_000);

let farm: ApiFarm;
beforeAll(async () => {
  farm = await startApiFarm();
});
afterAll(() => farm.stop());

/** Uploads the bundled split's files (or a subset) under `farm/datasets/<folder>/`. */
async function upload(
  folder: string,
  options: { manifest?: string | false; skip?: string } = {},
): Promise<string> {
  const dir = join(FIXTURES, 'datasets', 'fashion-mnist-selection');
  for (const file of await readdir(dir)) {
    if (file === options.skip || (file === 'manifest.json' && options.manifest !== undefined))
      continue;
    await farm.put(`farm/datasets/${folder}/${file}`, await readFile(join(dir, file)));
  }
  if (typeof options.manifest === 'string')
    await farm.put(`farm/datasets/${folder}/manifest.json`, options.manifest);
  return `s3://${farm.bucket}/farm/datasets/${folder}`;
}

it('registers the bundled selection split from its manifest, shards pinned to their ETags', async () => {
  const uri = await upload('fmnist-selection');
  const res = await farm.as('acme').post('/v1/datasets').send({ name: 'fmnist-selection', uri });
  expect(res.status).toBe(201);
  const doc = res.body as DatasetDocument;
  expect(doc).toMatchObject({
    name: 'fmnist-selection',
    numClasses: 10,
    samples: 10_000,
    bucket: farm.bucket,
  });
  expect(doc.shards.map((s) => [s.id, s.samples])).toEqual([
    ['selection-000000.tar.gz', 2500],
    ['selection-000001.tar.gz', 2500],
    ['selection-000002.tar.gz', 2500],
    ['selection-000003.tar.gz', 2500],
  ]);
  for (const shard of doc.shards) expect(shard.etag).toMatch(/^"[0-9a-f]{32}"$/);
  expect((await farm.as('acme').get('/v1/datasets/fmnist-selection')).body).toEqual(doc);
  expect((await farm.as('acme').get('/v1/datasets')).body).toEqual({ datasets: [doc] });
  expect((await farm.as('globex').get('/v1/datasets/fmnist-selection')).status).toBe(404);
});

it('registers shards without a manifest when told the class count', async () => {
  const uri = await upload('plain', { manifest: false });
  const unknown = await farm.as('acme').post('/v1/datasets').send({ name: 'plain', uri });
  expect(unknown.status).toBe(400);
  expect(errorOf(unknown).code).toBe('classes-unknown');
  const res = await farm
    .as('acme')
    .post('/v1/datasets')
    .send({ name: 'plain', uri, numClasses: 10 });
  expect(res.status).toBe(201);
  expect((res.body as DatasetDocument).shards).toHaveLength(4);
});

describe('bad datasets', () => {
  const cases: [string, () => object | Promise<object>, number, string, RegExp][] = [
    [
      'an empty prefix',
      () => ({ name: 'd1', uri: `s3://${farm.bucket}/farm/datasets/nothing-here` }),
      400,
      'no-shards',
      /No \.tar or \.tar\.gz shards directly under/,
    ],
    [
      'a missing shard',
      async () => ({
        name: 'd2',
        uri: await upload('missing', { skip: 'selection-000002.tar.gz' }),
      }),
      400,
      'shards-mismatch',
      /missing: selection-000002\.tar\.gz/,
    ],
    [
      'a broken manifest',
      async () => ({
        name: 'd3',
        uri: await upload('broken', { manifest: '{"format": "something else"}' }),
      }),
      400,
      'manifest-invalid',
      /manifest/,
    ],
    [
      'a prefix outside the farm',
      () => ({ name: 'd4', uri: 's3://elsewhere/datasets' }),
      400,
      'uri-outside-bucket',
      /outside the farm's storage/,
    ],
    [
      'a contradicting class count',
      () => ({
        name: 'd5',
        uri: `s3://${farm.bucket}/farm/datasets/fmnist-selection`,
        numClasses: 1000,
      }),
      400,
      'classes-mismatch',
      /lists 10 classes/,
    ],
    [
      'a name taken',
      () => ({
        name: 'fmnist-selection',
        uri: `s3://${farm.bucket}/farm/datasets/fmnist-selection`,
      }),
      409,
      'dataset-exists',
      /choose another name/,
    ],
    [
      'an unknown field',
      () => ({ name: 'd6', uri: 's3://x/y', shards: [] }),
      400,
      'invalid-request',
      /Unrecognized key/,
    ],
  ];
  it.each(cases)('%s', async (_, body, status, code, message) => {
    const res = await farm
      .as('acme')
      .post('/v1/datasets')
      .send(await body());
    expect(res.status).toBe(status);
    expect(errorOf(res).code).toBe(code);
    expect(errorOf(res).message).toMatch(message);
  });
});
