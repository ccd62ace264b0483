import { resolvePreprocess } from '@tinysaver/cascade';
import { formatJobFailure, JobFailureCode, parseJobFailure } from './job-failure';
import { parseJobPayload } from './payloads';
import { QueueName } from './queues';

const model = {
  name: 'resnet18',
  sha256: 'a'.repeat(64),
  object: { bucket: 'farm-data', key: 'models/resnet18.onnx' },
  preprocess: resolvePreprocess({ inputSize: [3, 224, 224] }),
  macs: 1_814_083_944,
  numClasses: 1000,
};
const shard = {
  id: 'val-000000.tar',
  object: { bucket: 'farm-data', key: 'ds/val-000000.tar' },
  etag: '"abc"',
};

function reason(queue: QueueName, data: unknown): string {
  try {
    parseJobPayload(queue, data);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('payload-invalid');
    return (error as Error).message;
  }
  throw new Error('payload was accepted');
}

describe('parseJobPayload', () => {
  it('accepts a records job and returns it typed', () => {
    const job = parseJobPayload(QueueName.Records, {
      v: 1,
      dataset: { name: 'imagenet-val' },
      shard,
      models: [model],
    });
    expect(job.models[0].preprocess.cropPct).toBe(0.875);
  });

  it('defaults the cascade baseline and refuses a saver that is not cheaper', () => {
    const cascade = {
      v: 1,
      tenant: 'acme',
      runId: 'run-1',
      dataset: { name: 'imagenet-val' },
      shard,
      saver: { ...model, name: 'mobilenet', macs: 56_000_000 },
      base: model,
      threshold: 0.6,
    };
    expect(parseJobPayload(QueueName.Cascade, cascade).baseline).toBe(true);
    expect(reason(QueueName.Cascade, { ...cascade, saver: model })).toMatch(
      /saver\.macs: the saver must have strictly fewer MACs than the base/,
    );
  });

  it('names every bad field, the queue and the version', () => {
    const message = reason(QueueName.Records, {
      v: 2,
      dataset: { name: '../etc' },
      shard: { ...shard, etag: '' },
      models: [{ ...model, sha256: 'XYZ' }],
    });
    expect(message).toMatch(/^tinysaver-records job payload is invalid/);
    expect(message).toMatch(/v: /);
    expect(message).toMatch(/dataset\.name: use 1–128 letters/);
    expect(message).toMatch(/shard\.etag/);
    expect(message).toMatch(/models\.0\.sha256: must be 64 lower-case hex digits/);
    expect(message).toMatch(/at version 1\.$/);
  });

  it('refuses a preprocessing that is not in resolved form or is invalid', () => {
    const unresolved = { ...model, preprocess: { ...model.preprocess, mean: [0.5, 0.5] } };
    expect(
      reason(QueueName.Records, { v: 1, dataset: { name: 'd' }, shard, models: [unresolved] }),
    ).toMatch(/models\.0\.preprocess: Preprocessing is invalid: mean has 2 values/);
  });

  it('refuses the same model file twice in one records job', () => {
    expect(
      reason(QueueName.Records, {
        v: 1,
        dataset: { name: 'd' },
        shard,
        models: [model, { ...model, name: 'copy' }],
      }),
    ).toMatch(/lists the same model file twice/);
  });
});

describe('job failures', () => {
  it('round-trips code and message', () => {
    const text = formatJobFailure(
      JobFailureCode.ShardInvalid,
      "shard 's3://b/k' is truncated;\nre-upload it.",
    );
    expect(parseJobFailure(text)).toEqual({
      code: 'shard-invalid',
      message: "shard 's3://b/k' is truncated;\nre-upload it.",
    });
  });

  it('refuses reasons that did not come from a worker', () => {
    expect(() => parseJobFailure('Error: boom')).toThrow(/no known \[code\] prefix/);
    expect(() => parseJobFailure('[made-up] x')).toThrow(/no known \[code\] prefix/);
  });
});
