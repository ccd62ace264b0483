// The committed zoo and shards are what the demo and end-to-end tests stand on: check they are
// intact (sha256 against their manifests), that the shards hold exactly the samples and labels
// PyTorch was evaluated on, and that our ONNX profiler counts the MACs PyTorch's hooks counted.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { profileOnnx } from '@tinysaver/profiler';
import { parseDatasetManifest, readShard } from '@tinysaver/webdataset';

const fixtures = join(__dirname, '..', '..', 'fixtures');
type Split = 'selection' | 'evaluation';

interface ZooModel {
  name: string;
  file: string;
  sha256: string;
  macs: number;
  params: number;
  preprocess: { inputSize: number[] };
  accuracy: Record<Split, number>;
}
interface Reference {
  labels: Record<Split, number[]>;
  keys: Record<Split, string[]>;
  models: Record<string, Record<Split, { top1: number[]; confidence: number[] }>>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let models: ZooModel[];
let reference: Reference;

beforeAll(async () => {
  const manifest = JSON.parse(await readFile(join(fixtures, 'zoo', 'manifest.json'), 'utf8')) as {
    models: ZooModel[];
  };
  models = manifest.models;
  reference = JSON.parse(
    gunzipSync(await readFile(join(fixtures, 'zoo', 'reference.json.gz'))).toString(),
  ) as Reference;
});

describe('the zoo', () => {
  it('has at least 6 models spanning at least 1,000× in MACs, the largest the most accurate', () => {
    expect(models.length).toBeGreaterThanOrEqual(6);
    const macs = models.map((m) => m.macs);
    expect(Math.max(...macs) / Math.min(...macs)).toBeGreaterThanOrEqual(1000);
    const largest = models.reduce((a, b) => (b.macs > a.macs ? b : a));
    expect(largest.macs).toBeGreaterThanOrEqual(20e6);
    for (const m of models)
      expect(largest.accuracy.evaluation).toBeGreaterThanOrEqual(m.accuracy.evaluation);
  });

  it('ships every model file with the sha256 its manifest states', async () => {
    for (const m of models) {
      const bytes = await readFile(join(fixtures, 'zoo', m.file));
      expect([m.name, sha256(bytes)]).toEqual([m.name, m.sha256]);
    }
  });

  it("profiles every model to PyTorch's hook-counted MACs within ±0.5 %", async () => {
    for (const m of models) {
      const profile = profileOnnx(new Uint8Array(await readFile(join(fixtures, 'zoo', m.file))));
      expect(profile.unsupported).toEqual([]);
      expect(profile.outputs[0].shape).toEqual([1, 10]);
      expect(Math.abs(profile.macs / m.macs - 1)).toBeLessThanOrEqual(0.005);
    }
  });

  it('has PyTorch accuracies that match its per-sample reference', () => {
    for (const m of models)
      for (const split of ['selection', 'evaluation'] as const) {
        const { top1 } = reference.models[m.name][split];
        const labels = reference.labels[split];
        const correct = top1.filter((c, i) => c === labels[i]).length;
        expect(correct / labels.length).toBeCloseTo(m.accuracy[split], 12);
      }
  });
});

describe.each([
  ['selection', 'fashion-mnist-selection'],
  ['evaluation', 'fashion-mnist-evaluation'],
] as const)('the %s shards', (split, folder) => {
  it('match their manifest and hold the reference samples and labels in order', async () => {
    const dir = join(fixtures, 'datasets', folder);
    const manifest = parseDatasetManifest(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.samples).toBe(10_000);
    const keys: string[] = [];
    const labels: number[] = [];
    for (const shard of manifest.shards) {
      const path = join(dir, shard.file);
      expect(sha256(await readFile(path))).toBe(shard.sha256);
      let count = 0;
      for await (const sample of readShard(createReadStream(path), {
        shard: shard.file,
        classCount: manifest.classes.length,
      })) {
        keys.push(sample.key);
        labels.push(sample.label);
        count++;
      }
      expect(count).toBe(shard.samples);
    }
    expect(keys).toEqual(reference.keys[split]);
    expect(labels).toEqual(reference.labels[split]);
  });
});
