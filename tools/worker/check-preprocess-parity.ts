// Checks the worker's image preprocessing against PyTorch: every zoo model runs with
// onnxruntime-node on tensors made by imageToTensor from the WebDataset fixture shards, and its
// top-1 classes must agree with PyTorch's (reference.json.gz) on ≥ 99.5% of samples. Also
// cross-checks the TypeScript PNG decoder against fast-png and measures throughput.
//
//   npx tsx --conditions=development tools/worker/check-preprocess-parity.ts
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decode as fastPngDecode } from 'fast-png';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  planResize,
  resolvePreprocess,
  type PreprocessInput,
  type ResolvedPreprocess,
} from '@tinysaver/cascade';
import { readShard, type ImageExtension } from '@tinysaver/webdataset';
// The worker is an application, not a library: this check reaches into its compute modules on
// purpose, to measure exactly the code the worker runs.
/* eslint-disable @nx/enforce-module-boundaries */
import { imageToTensor } from '../../apps/worker/src/compute/image-tensor';
import { toPilMode } from '../../apps/worker/src/compute/pixel-mode';
import { decodePng } from '../../apps/worker/src/compute/png-decode';
import { decodeWithSharp, resizeWithSharp } from '../../apps/worker/src/compute/sharp-image';
import { writeNormalised } from '../../apps/worker/src/compute/tensor-write';
/* eslint-enable @nx/enforce-module-boundaries */

type Split = 'selection' | 'evaluation';
const SPLITS: readonly Split[] = ['selection', 'evaluation'];
const MIN_AGREEMENT = 0.995;
const BATCH = 256;

interface ZooModel {
  readonly name: string;
  readonly file: string;
  readonly preprocess: PreprocessInput;
  readonly accuracy: Record<Split, number>;
}
interface Reference {
  readonly keys: Record<Split, string[]>;
  readonly models: Record<string, Record<Split, { top1: number[]; confidence: number[] }>>;
}
interface Sample {
  readonly key: string;
  readonly label: number;
  readonly bytes: Uint8Array;
  readonly extension: ImageExtension;
}

const fixtures = join(__dirname, '..', '..', 'fixtures');
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

async function loadSplit(split: Split): Promise<Sample[]> {
  const dir = join(fixtures, 'datasets', `fashion-mnist-${split}`);
  const manifest = readJson<{ shards: { file: string }[] }>(join(dir, 'manifest.json'));
  const samples: Sample[] = [];
  for (const { file } of manifest.shards) {
    for await (const s of readShard(createReadStream(join(dir, file)), { shard: file })) {
      const bytes = s.files.get(s.imageExtension);
      if (bytes === undefined) throw new Error(`${file}: sample ${s.key} lost its image`);
      samples.push({ key: s.key, label: s.label, bytes, extension: s.imageExtension });
    }
  }
  return samples;
}

/** Sequential on purpose: the rate is that of one worker thread's imageToTensor calls. */
async function toTensors(samples: readonly Sample[], p: ResolvedPreprocess) {
  const data = new Float32Array(samples.length * p.inputSize.reduce((a, b) => a * b));
  const start = performance.now();
  for (let i = 0; i < samples.length; i++)
    await imageToTensor(samples[i].bytes, samples[i].extension, p, data, i);
  return { data, perSecond: samples.length / ((performance.now() - start) / 1000) };
}

async function predict(session: ort.InferenceSession, data: Float32Array, p: ResolvedPreprocess) {
  const [c, h, w] = p.inputSize;
  const size = c * h * w;
  const n = data.length / size;
  const top1 = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let start = 0; start < n; start += BATCH) {
    const count = Math.min(BATCH, n - start);
    const shape = p.layout === 'NCHW' ? [count, c, h, w] : [count, h, w, c];
    const input = new ort.Tensor(
      'float32',
      data.subarray(start * size, (start + count) * size),
      shape,
    );
    const logits = (await session.run({ input })).logits.data as Float32Array;
    const classes = logits.length / count;
    for (let s = 0; s < count; s++) {
      const row = logits.subarray(s * classes, (s + 1) * classes);
      let best = 0;
      for (let k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(row[k] - row[best]);
      top1[start + s] = best;
      confidence[start + s] = Math.fround(1 / sum);
    }
  }
  return { top1, confidence };
}

interface SplitResult {
  readonly samples: number;
  readonly agree: number;
  readonly correct: number;
  readonly maxConfidenceDiff: number;
  readonly perSecond: number;
}

async function checkSplit(
  session: ort.InferenceSession,
  samples: readonly Sample[],
  p: ResolvedPreprocess,
  reference: { top1: number[]; confidence: number[] },
): Promise<SplitResult> {
  const { data, perSecond } = await toTensors(samples, p);
  const ours = await predict(session, data, p);
  let agree = 0;
  let correct = 0;
  let maxConfidenceDiff = 0;
  samples.forEach((sample, i) => {
    if (ours.top1[i] === reference.top1[i]) agree++;
    if (ours.top1[i] === sample.label) correct++;
    maxConfidenceDiff = Math.max(
      maxConfidenceDiff,
      Math.abs(ours.confidence[i] - reference.confidence[i]),
    );
  });
  return { samples: samples.length, agree, correct, maxConfidenceDiff, perSecond };
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)}%`;

async function checkModels(
  splits: Record<Split, Sample[]>,
  reference: Reference,
): Promise<boolean> {
  const zoo = readJson<{ models: ZooModel[] }>(join(fixtures, 'zoo', 'manifest.json'));
  console.log(
    '| model | split | samples | top-1 agreement | accuracy (manifest) | max abs conf. diff | imageToTensor/s |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  let ok = true;
  for (const model of zoo.models) {
    const p = resolvePreprocess(model.preprocess);
    const session = await ort.InferenceSession.create(join(fixtures, 'zoo', model.file), {
      intraOpNumThreads: 2,
    });
    for (const split of SPLITS) {
      const r = await checkSplit(session, splits[split], p, reference.models[model.name][split]);
      ok &&= r.agree / r.samples >= MIN_AGREEMENT;
      const accuracy = `${(r.correct / r.samples).toFixed(4)} (${model.accuracy[split].toFixed(4)})`;
      console.log(
        `| ${model.name} | ${split} | ${r.samples} | ${r.agree} = ${pct(r.agree, r.samples)} | ${accuracy} | ${r.maxConfidenceDiff.toExponential(1)} | ${Math.round(r.perSecond)} |`,
      );
    }
    await session.release();
  }
  return ok;
}

function rate(count: number, start: number) {
  return Math.round(count / ((performance.now() - start) / 1000));
}

/** The TypeScript decoder must give fast-png's pixels (fast-png: 8-bit data of the same channels). */
function crossCheckPngDecoder(samples: readonly Sample[]): boolean {
  let mismatches = 0;
  for (const { bytes } of samples) {
    const theirs = fastPngDecode(bytes);
    const ours = decodePng(bytes);
    const same =
      theirs.channels === ours.channels &&
      theirs.depth === 8 &&
      theirs.data.every((v, i) => v === ours.data[i]);
    if (!same) mismatches++;
  }
  let start = performance.now();
  for (const { bytes } of samples) fastPngDecode(bytes);
  const fastPngRate = rate(samples.length, start);
  start = performance.now();
  for (const { bytes } of samples) decodePng(bytes);
  console.log(
    `\nPNG decoder vs fast-png on ${samples.length} fixture PNGs: ${mismatches} mismatches; decodes/s: ours ${rate(samples.length, start)}, fast-png ${fastPngRate}`,
  );
  return mismatches === 0;
}

async function makeJpegs(count: number, width: number, height: number): Promise<Buffer[]> {
  const jpegs: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (k + 3) + ((i * 7919) % 61)) & 255;
    const image = sharp(pixels, { raw: { width, height, channels: 3 } }).blur(1.5);
    jpegs.push(await image.jpeg({ quality: 90 }).toBuffer());
  }
  return jpegs;
}

type ToTensor = (bytes: Uint8Array, p: ResolvedPreprocess, out: Float32Array) => Promise<void>;

/** What imageToTensor did before fusing JPEG decode + resize + crop into one sharp call. */
const twoStep: ToTensor = async (bytes, p, out) => {
  const decoded = toPilMode(await decodeWithSharp(bytes, 'jpeg'), 'RGB');
  const plan = planResize(decoded, p);
  const image = plan.resize
    ? await resizeWithSharp(decoded, plan.resize, p.interpolation)
    : decoded;
  writeNormalised(image, plan.crop, p, out, 0);
};
const fused: ToTensor = (bytes, p, out) => imageToTensor(bytes, 'jpg', p, out, 0);

async function jpegRate(jpegs: Buffer[], inFlight: number, run: ToTensor): Promise<number> {
  const p = resolvePreprocess({ inputSize: [3, 224, 224] });
  const outs = Array.from({ length: inFlight }, () => new Float32Array(3 * 224 * 224));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    outs.map(async (out) => {
      while (next < jpegs.length) await run(jpegs[next++], p, out);
    }),
  );
  return rate(jpegs.length, start);
}

/** imageToTensor on photo-sized JPEGs → [3, 224, 224], one and four calls in flight. */
async function jpegThroughput(): Promise<void> {
  console.log('\n| JPEG → [3,224,224] | in flight | imageToTensor/s | two-step/s |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [width, height] of [
    [256, 256],
    [320, 240],
    [500, 375],
  ] as const) {
    const jpegs = await makeJpegs(100, width, height);
    for (const inFlight of [1, 4]) {
      const ours = await jpegRate(jpegs, inFlight, fused);
      const before = await jpegRate(jpegs, inFlight, twoStep);
      console.log(`| ${width}×${height} | ${inFlight} | ${ours} | ${before} |`);
    }
  }
}

async function main(): Promise<void> {
  const gzipped = readFileSync(join(fixtures, 'zoo', 'reference.json.gz'));
  const reference = JSON.parse(gunzipSync(gzipped).toString('utf8')) as Reference;
  const splits = {
    selection: await loadSplit('selection'),
    evaluation: await loadSplit('evaluation'),
  };
  let ok = true;
  for (const split of SPLITS) {
    const keysMatch = splits[split].every((s, i) => s.key === reference.keys[split][i]);
    if (!keysMatch || splits[split].length !== reference.keys[split].length) {
      console.error(`${split}: shard keys are not reference.json.gz's keys in the same order`);
      ok = false;
    }
  }
  ok = (await checkModels(splits, reference)) && ok;
  ok = crossCheckPngDecoder([...splits.selection, ...splits.evaluation]) && ok;
  await jpegThroughput();
  console.log(ok ? '\nOK' : `\nFAILED (agreement below ${MIN_AGREEMENT * 100}% or a check above)`);
  process.exitCode = ok ? 0 : 1;
}

void main();
