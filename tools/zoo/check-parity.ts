// Runs every zoo model with onnxruntime-node (CPU) on both splits and compares its top-1 class
// and confidence with PyTorch's (reference.json.gz): proof that the exported graphs are the
// trained models. Reads the images from Debian's dataset-fashion-mnist idx files, as the builder
// did. Prints a markdown table.
//
//   npx tsx --conditions=development tools/zoo/check-parity.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

type Split = 'selection' | 'evaluation';
interface ZooModel {
  name: string;
  file: string;
  preprocess: { mean: number[]; std: number[] };
}
interface Reference {
  models: Record<string, Record<Split, { top1: number[]; confidence: number[] }>>;
}

const DATA = '/usr/share/datasets/fashion-mnist';
const zoo = join(__dirname, '..', '..', 'fixtures', 'zoo');

function idxImages(file: string): Uint8Array {
  const bytes = gunzipSync(readFileSync(join(DATA, file)));
  return bytes.subarray(16); // magic, count, rows, cols
}

const train = idxImages('train-images-idx3-ubyte.gz');
const images: Record<Split, Uint8Array> = {
  selection: train.subarray(50_000 * 784, 60_000 * 784),
  evaluation: idxImages('t10k-images-idx3-ubyte.gz'),
};

async function predict(session: ort.InferenceSession, pixels: Uint8Array, model: ZooModel) {
  const n = pixels.length / 784;
  const top1 = new Int32Array(n);
  const conf = new Float32Array(n);
  const mean = Math.fround(model.preprocess.mean[0]);
  const std = Math.fround(model.preprocess.std[0]);
  const batch = 500;
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const input = new Float32Array(count * 784);
    for (let i = 0; i < input.length; i++) {
      // As torchvision: ToTensor (x / 255 in float32), then Normalize in float32.
      const x = Math.fround(pixels[start * 784 + i] / 255);
      input[i] = Math.fround(Math.fround(x - mean) / std);
    }
    const output = await session.run({
      input: new ort.Tensor('float32', input, [count, 1, 28, 28]),
    });
    const logits = output.logits.data as Float32Array;
    for (let s = 0; s < count; s++) {
      const row = logits.subarray(s * 10, s * 10 + 10);
      let best = 0;
      for (let c = 1; c < 10; c++) if (row[c] > row[best]) best = c;
      let sum = 0;
      for (let c = 0; c < 10; c++) sum += Math.exp(row[c] - row[best]);
      top1[start + s] = best;
      conf[start + s] = Math.fround(1 / sum);
    }
  }
  return { top1, conf };
}

async function main() {
  const manifest = JSON.parse(readFileSync(join(zoo, 'manifest.json'), 'utf8')) as {
    models: ZooModel[];
  };
  const reference = JSON.parse(
    gunzipSync(readFileSync(join(zoo, 'reference.json.gz'))).toString(),
  ) as Reference;
  console.log('| model | split | top-1 agreement | max abs confidence difference |');
  console.log('| --- | --- | ---: | ---: |');
  for (const model of manifest.models) {
    const session = await ort.InferenceSession.create(join(zoo, model.file), {
      executionProviders: ['cpu'],
      intraOpNumThreads: 2,
    });
    for (const split of ['selection', 'evaluation'] as const) {
      const ours = await predict(session, images[split], model);
      const theirs = reference.models[model.name][split];
      let agree = 0;
      let maxDiff = 0;
      theirs.top1.forEach((c, i) => {
        if (c === ours.top1[i]) agree++;
        maxDiff = Math.max(maxDiff, Math.abs(theirs.confidence[i] - ours.conf[i]));
      });
      console.log(
        `| ${model.name} | ${split} | ${agree} / ${theirs.top1.length} | ${maxDiff.toExponential(1)} |`,
      );
    }
    await session.release();
  }
}

void main();
