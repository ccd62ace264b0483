// Every input a user can get wrong in a records job fails at once (no retries), names the object
// and the fix, and writes no record.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueName, type ProfiledModelRef, type ShardRef } from '@tinysaver/contracts';
import { linearOnnx, makeTar, realPngs } from './harness/bad-inputs';
import { FIXTURES, readZoo, settled, sha256, startFarm, type Farm } from './harness/farm-fixture';

jest.setTimeout(120_000);

let farm: Farm;
let model: ProfiledModelRef;
let good: { key: string; png: Uint8Array }[];

beforeAll(async () => {
  farm = await startFarm();
  farm.startWorker();
  model = await farm.zooModel((await readZoo())[3]);
  good = await realPngs(3);
});
afterAll(() => farm.stop());

async function runRecords(shard: ShardRef, models = [model]) {
  return settled(
    farm.queue(QueueName.Records),
    await farm.add(QueueName.Records, { v: 1, dataset: { name: 'bad' }, shard, models }),
  );
}

async function recordsFor(shardBytes: Uint8Array, name: string, models = [model]) {
  const job = await runRecords(await farm.shard('evaluation', 0, shardBytes, name), models);
  return { job, uri: `s3://${farm.bucket}/uploads/datasets/evaluation/${name}` };
}

const members = (extra: [string, Uint8Array | string][]) =>
  [
    [`${good[0].key}.png`, good[0].png],
    [`${good[0].key}.cls`, '1'],
    ...extra,
    [`${good[1].key}.png`, good[1].png],
    [`${good[1].key}.cls`, '2'],
  ] as [string, Uint8Array | string][];

describe('bad input fails fast, names the object and writes nothing', () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    [
      'garbage.tar',
      () => Promise.resolve(Buffer.from('definitely not a tar archive '.repeat(40))),
      /^\[shard-invalid\] \[not-tar\] shard '(?<uri>[^']+)' is not a tar archive.*pass a WebDataset \.tar/,
    ],
    [
      'truncated.tar.gz',
      async () => {
        const whole = await readFile(
          join(FIXTURES, 'datasets', 'fashion-mnist-evaluation', 'evaluation-000000.tar.gz'),
        );
        return whole.subarray(0, whole.length >> 1);
      },
      /^\[shard-invalid\] \[tar-truncated\] shard '(?<uri>[^']+)' is truncated.*re-create or re-upload it/,
    ],
    [
      'undecodable.tar',
      () =>
        makeTar(
          members([
            ['broken.png', Buffer.from('\x89PNG\r\n\x1a\n not really')],
            ['broken.cls', '3'],
          ]),
        ),
      /^\[image-undecodable\] shard (?<uri>\S+), sample 'broken': image 'broken\.png' cannot be decoded .*replace or remove that sample/,
    ],
    [
      'no-label.tar',
      () => makeTar(members([['nolabel.png', good[2].png]])),
      /^\[shard-invalid\] \[missing-label\] shard '(?<uri>[^']+)', sample 'nolabel': has no 'nolabel\.cls' member/,
    ],
    [
      'text-label.tar',
      () =>
        makeTar(
          members([
            ['textlabel.png', good[2].png],
            ['textlabel.cls', 'shirt'],
          ]),
        ),
      /^\[shard-invalid\] \[invalid-label\] shard '(?<uri>[^']+)', sample 'textlabel': member 'textlabel\.cls' holds "shirt", not a non-negative integer/,
    ],
    [
      'big-label.tar',
      () =>
        makeTar(
          members([
            ['biglabel.png', good[2].png],
            ['biglabel.cls', '12'],
          ]),
        ),
      /^\[label-outside-model\] shard '(?<uri>[^']+)', sample 'biglabel': class index 12 is outside model 'cnn-tiny''s 10 classes \(0\.\.9\); fix that sample's \.cls/,
    ],
    [
      'repeated.tar',
      () =>
        makeTar([...members([]), [`${good[0].key}.png`, good[0].png], [`${good[0].key}.cls`, '1']]),
      /^\[shard-invalid\] \[duplicate-key\] shard '(?<uri>[^']+)': member '[^']+' belongs to sample '[^']+', which appeared earlier/,
    ],
  ];

  it.each(cases)('%s', async (name, build, expected) => {
    const { job, uri } = await recordsFor(await build(), name);
    expect(job.attemptsMade).toBe(1);
    const match = expected.exec(job.failedReason ?? '');
    expect(
      match ? job.failedReason : `did not match ${String(expected)}: ${job.failedReason}`,
    ).toBe(job.failedReason);
    expect(match!.groups!.uri).toBe(uri);
  });

  it('a model whose output is not [N, classes] (registered without profiling)', async () => {
    const bytes = linearOnnx({ extraOutputDim: true });
    await farm.put('uploads/models/extra-dim.onnx', bytes);
    const broken = {
      ...model,
      name: 'extra-dim',
      sha256: sha256(bytes),
      object: { bucket: farm.bucket, key: 'uploads/models/extra-dim.onnx' },
      macs: 7840,
    };
    const { job } = await recordsFor(await makeTar(members([])), 'fine.tar', [model, broken]);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(
      /^\[model-output-shape\] model 'extra-dim' \(sha256 [0-9a-f]{64}\) returned a float32 output of shape \[2, 10, 1\] for a batch of 2; the farm needs float32 logits \[N, classes\]/,
    );
  });

  it('a file that is not ONNX, and a sha256 mismatch', async () => {
    await farm.put('uploads/models/text.onnx', 'hello');
    const text = {
      ...model,
      name: 'text',
      sha256: sha256(Buffer.from('hello')),
      object: { bucket: farm.bucket, key: 'uploads/models/text.onnx' },
    };
    const notOnnx = await recordsFor(await makeTar(members([])), 'fine2.tar', [text]);
    expect(notOnnx.job.attemptsMade).toBe(1);
    // The worker's local cache path means nothing to the user and is not shown.
    expect(notOnnx.job.failedReason).not.toMatch(/tinysaver-models-/);
    expect(notOnnx.job.failedReason).toMatch(
      /^\[model-not-onnx\] onnxruntime cannot load model 'text' \(sha256 [0-9a-f]{64}\): .*Protobuf parsing failed.*Export it again/,
    );

    const swapped = { ...model, name: 'swapped', sha256: 'e'.repeat(64) };
    const mismatch = await recordsFor(await makeTar(members([])), 'fine3.tar', [swapped]);
    expect(mismatch.job.attemptsMade).toBe(1);
    expect(mismatch.job.failedReason).toMatch(
      /^\[model-sha256-mismatch\] model 'swapped' at s3:\/\/\S+ has sha256/,
    );
  });

  it('a shard object that is gone', async () => {
    const shard = {
      id: 'gone.tar',
      object: { bucket: farm.bucket, key: 'uploads/nowhere/gone.tar' },
      etag: '"0"',
    };
    const job = await runRecords(shard);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(
      new RegExp(
        `^\\[object-missing\\] shard s3://${farm.bucket}/uploads/nowhere/gone\\.tar does not exist`,
      ),
    );
  });

  afterAll(async () => {
    // Not one record was written by any of the failed jobs.
    const listed = await farm.s3.client.send(
      new ListObjectsV2Command({ Bucket: farm.bucket, Prefix: 'farm/records/' }),
    );
    expect(listed.Contents ?? []).toEqual([]);
  });
});

describe('a shard replaced after registration', () => {
  it('is refused, naming the object and telling to register again', async () => {
    const shard = await farm.shard('evaluation', 0, await makeTar(members([])), 'replaced.tar');
    await farm.put(shard.object.key, await makeTar(members([['extra', '1']])));
    const job = await runRecords(shard);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(
      new RegExp(
        `^\\[object-changed\\] shard s3://${farm.bucket}/${shard.object.key} changed after it was registered.*register the dataset again`,
      ),
    );
  });
});
