// A large synthetic search for the API benches: M models' records over a selection and an
// evaluation split (S shards × N samples each), written to S3 under FarmLayout record keys exactly
// as the records worker would, and the SearchSpec ("all cheaper" savers for every base) that the
// aggregate job reads. Deterministic (seeded), so every run aggregates the same bytes.
//
// The outcomes look like real ones: one difficulty per sample shared by every model (hard samples
// are hard for all), a model's ability rising with log MACs (top-1 accuracy ~55 % at 1e6 MACs to
// ~93 % at 1e10), top-1 probability a sigmoid of the sample's margin (so confidence is high where
// the model is right and low where it is wrong; the most confident saturate to exactly 1.0 in
// float32), the rest of the top-5 below it, and the true class often second when the top-1 is wrong.
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  canonicalPreprocess,
  encodeRecord,
  resolvePreprocess,
  type ModelRecord,
  type ResolvedPreprocess,
} from '@tinysaver/cascade';
import {
  RECORD_TOP_K,
  SearchSpecSchema,
  type DatasetSnapshot,
  type ProfiledModelRef,
  type SearchSpec,
} from '@tinysaver/contracts';
import { mapLimit, type FarmLayout } from '@tinysaver/storage';

export interface SyntheticShape {
  readonly models: number;
  readonly classes: number;
  readonly shardsPerSplit: number;
  readonly samplesPerShard: number;
  readonly seed: number;
}

/** The size: 20 models, 10 classes, 50,000 samples per split as 10 shards × 5,000. */
export function syntheticShape(env: NodeJS.ProcessEnv = process.env): SyntheticShape {
  return {
    models: Number(env.BENCH_API_MODELS ?? 20),
    classes: 10,
    shardsPerSplit: Number(env.BENCH_API_SHARDS ?? 10),
    samplesPerShard: Number(env.BENCH_API_SHARD_SAMPLES ?? 5000),
    seed: 20_240_326,
  };
}

export const SPLITS = ['selection', 'evaluation'] as const;
export type SplitName = (typeof SPLITS)[number];

/** ImageNet-style preprocessing (any resolved one would do: it only enters the record keys). */
const PREPROCESS: ResolvedPreprocess = resolvePreprocess({
  inputSize: [3, 224, 224],
  cropPct: 0.875,
  interpolation: 'bilinear',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** mulberry32: small, fast, seeded; plenty for synthetic data. */
function rng(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}

export interface SyntheticModel {
  readonly index: number;
  readonly name: string;
  readonly sha256: string;
  readonly macs: number;
  /** Margin offset: accuracy ≈ Φ(ability / 1.22). */
  readonly ability: number;
}

export function syntheticModels(shape: SyntheticShape): SyntheticModel[] {
  return Array.from({ length: shape.models }, (_, m) => {
    const x = shape.models > 1 ? m / (shape.models - 1) : 1;
    return {
      index: m,
      name: `syn-${String(m).padStart(2, '0')}`,
      sha256: sha256(`bench/api synthetic model ${m}`),
      // 1e6 … 1e10 MACs, evenly spaced in log.
      macs: Math.round(1e6 * 10 ** (4 * x)),
      ability: 0.15 + 1.65 * x,
    };
  });
}

export interface SyntheticSplit {
  readonly name: string;
  readonly shards: readonly { id: string; etag: string; key: string }[];
}

export function syntheticSplits(shape: SyntheticShape): SyntheticSplit[] {
  return SPLITS.map((split) => ({
    name: `syn-${split}`,
    shards: Array.from({ length: shape.shardsPerSplit }, (_, s) => {
      const id = `${split}-${String(s).padStart(6, '0')}.tar`;
      // Never fetched: every record exists, so no records job reads a shard.
      return { id, etag: `"syn-${split}-${s}"`, key: `farm/datasets/syn-${split}/${id}` };
    }),
  }));
}

/** One split's per-sample truth shared by every model: labels and difficulty. */
function splitTruth(shape: SyntheticShape, split: number) {
  const n = shape.shardsPerSplit * shape.samplesPerShard;
  const r = rng(shape.seed + 1000 * (split + 1));
  const labels = new Int32Array(n);
  const difficulty = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(r.uniform() * shape.classes);
    difficulty[i] = r.normal();
  }
  return { labels, difficulty };
}

/**
 * One model's predictions over one whole split (top-k classes and float32 probabilities).
 */
function modelPredictions(
  shape: SyntheticShape,
  model: SyntheticModel,
  split: number,
  truth: ReturnType<typeof splitTruth>,
) {
  const n = truth.labels.length;
  const k = RECORD_TOP_K;
  const c = shape.classes;
  const r = rng(shape.seed + 1000 * (split + 1) + model.index + 1);
  const topClasses = new Int32Array(n * k);
  const topProbs = new Float32Array(n * k);
  const weights = [0.55, 0.2, 0.1, 0.05];
  const used = new Uint8Array(c);
  for (let i = 0; i < n; i++) {
    const label = truth.labels[i];
    const margin = model.ability - truth.difficulty[i] + 0.7 * r.normal();
    const right = margin > 0;
    const logit = 2 * margin + 0.8 + 0.5 * r.normal();
    // A float32 softmax saturates to exactly 1.0 when the top logit leads by enough.
    let p1 = logit > 9 ? 1 : Math.fround(1 / (1 + Math.exp(-logit)));
    if (p1 < 1 / c) p1 = Math.fround(1 / c + 0.02 * r.uniform());
    used.fill(0);
    const top = right ? label : (label + 1 + Math.floor(r.uniform() * (c - 1))) % c;
    const at = i * k;
    topClasses[at] = top;
    topProbs[at] = p1;
    used[top] = 1;
    let next = 1;
    if (!right && r.uniform() < 0.6) {
      topClasses[at + next++] = label;
      used[label] = 1;
    }
    let cursor = Math.floor(r.uniform() * c);
    for (; next < k; next++) {
      while (used[cursor]) cursor = (cursor + 1) % c;
      topClasses[at + next] = cursor;
      used[cursor] = 1;
    }
    const rest = 1 - p1;
    for (let j = 1; j < k; j++)
      topProbs[at + j] = Math.min(topProbs[at + j - 1], Math.fround(rest * weights[j - 1]));
  }
  return { topClasses, topProbs };
}

export interface WrittenRecords {
  readonly records: number;
  readonly bytes: number;
  readonly generateMs: number;
  readonly uploadMs: number;
  /** Top-1 accuracy per model on selection, for the report. */
  readonly accuracy: { name: string; macs: number; selection: number; evaluation: number }[];
  /** Mean top-1 probability where right and where wrong, over all models and both splits. */
  readonly meanConfidence: { right: number; wrong: number };
  /** Share of top-1 probabilities that are exactly 1.0 (float32 saturation). */
  readonly saturated: number;
}

/**
 * Generates every model's records, one model and split at a time (memory stays small), encodes
 * each shard's slice with encodeRecord and PUTs it under its FarmLayout record key.
 */
export async function writeSyntheticRecords(
  client: S3Client,
  bucket: string,
  layout: FarmLayout,
  shape: SyntheticShape,
  log: (line: string) => void = () => undefined,
): Promise<WrittenRecords> {
  const models = syntheticModels(shape);
  const splits = syntheticSplits(shape);
  const preprocess = canonicalPreprocess(PREPROCESS);
  const k = RECORD_TOP_K;
  let bytes = 0;
  let records = 0;
  let generateMs = 0;
  let uploadMs = 0;
  const accuracy = models.map((m) => ({ name: m.name, macs: m.macs, selection: 0, evaluation: 0 }));
  const conf = { right: 0, wrong: 0, nRight: 0, nWrong: 0, saturated: 0, all: 0 };
  for (let s = 0; s < splits.length; s++) {
    const split = splits[s];
    const truth = splitTruth(shape, s);
    const keys = Array.from(
      { length: truth.labels.length },
      (_, i) =>
        `${SPLITS[s]}-${String(Math.floor(i / shape.samplesPerShard)).padStart(6, '0')}/${String(i % shape.samplesPerShard).padStart(6, '0')}`,
    );
    for (const model of models) {
      const t0 = performance.now();
      const { topClasses, topProbs } = modelPredictions(shape, model, s, truth);
      let correct = 0;
      for (let i = 0; i < truth.labels.length; i++) {
        const right = topClasses[i * k] === truth.labels[i];
        const p = topProbs[i * k];
        if (right) {
          correct++;
          conf.right += p;
          conf.nRight++;
        } else {
          conf.wrong += p;
          conf.nWrong++;
        }
        if (p === 1) conf.saturated++;
        conf.all++;
      }
      accuracy[model.index][SPLITS[s]] = correct / truth.labels.length;
      const encoded = split.shards.map((shard, index) => {
        const from = index * shape.samplesPerShard;
        const to = from + shape.samplesPerShard;
        const record: ModelRecord = {
          model: { sha256: model.sha256, name: model.name },
          dataset: split.name,
          shards: [{ id: shard.id, etag: shard.etag, count: shape.samplesPerShard }],
          numClasses: shape.classes,
          k,
          macsPerSample: model.macs,
          keys: keys.slice(from, to),
          labels: truth.labels.slice(from, to),
          topClasses: topClasses.slice(from * k, to * k),
          topProbs: topProbs.slice(from * k, to * k),
          provenance: { source: 'bench/api/synthetic-search.ts', seed: shape.seed },
        };
        return {
          key: layout.recordKey({ modelSha256: model.sha256, preprocess, shardEtag: shard.etag }),
          body: encodeRecord(record),
        };
      });
      generateMs += performance.now() - t0;
      const t1 = performance.now();
      await mapLimit(encoded, 8, async ({ key, body }) => {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        bytes += body.length;
        records++;
      });
      uploadMs += performance.now() - t1;
    }
    log(`  ${split.name}: ${models.length} models × ${split.shards.length} shards written`);
  }
  return {
    records,
    bytes,
    generateMs,
    uploadMs,
    accuracy,
    meanConfidence: { right: conf.right / conf.nRight, wrong: conf.wrong / conf.nWrong },
    saturated: conf.saturated / conf.all,
  };
}

/**
 * The search.json an API would write for "every model a base, all cheaper models its savers":
 * base i gets models 0..i-1 (cheapest first); models listed cheapest first.
 */
export function syntheticSpec(
  shape: SyntheticShape,
  bucket: string,
  tenant: string,
  id: string,
): SearchSpec {
  const models = syntheticModels(shape);
  const splits = syntheticSplits(shape);
  const refs: ProfiledModelRef[] = models.map((m) => ({
    name: m.name,
    sha256: m.sha256,
    object: { bucket, key: `farm/uploads/${m.name}.onnx` },
    preprocess: PREPROCESS,
    macs: m.macs,
    numClasses: shape.classes,
  }));
  const snapshot = (split: SyntheticSplit): DatasetSnapshot => ({
    name: split.name,
    numClasses: shape.classes,
    shards: split.shards.map((s) => ({ id: s.id, object: { bucket, key: s.key }, etag: s.etag })),
  });
  const spec: SearchSpec = {
    v: 1,
    id,
    tenant,
    createdAt: new Date().toISOString(),
    request: {
      bases: models.map((m) => m.name),
      savers: 'all-cheaper',
      selection: splits[0].name,
      evaluation: splits[1].name,
      budgets: [0.01, 0.5, 1],
      topK: 5,
      chains: true,
    },
    plan: models.map((m, i) => ({ base: m.name, savers: models.slice(0, i).map((s) => s.name) })),
    models: refs,
    selection: snapshot(splits[0]),
    evaluation: snapshot(splits[1]),
  };
  // What the worker will check: fail here, not in the job.
  return SearchSpecSchema.parse(spec);
}

/** Writes a spec as the API does: search.json, then the live marker. */
export async function putSearchSpec(
  client: S3Client,
  bucket: string,
  layout: FarmLayout,
  spec: SearchSpec,
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: layout.searchKey(spec.tenant, spec.id, 'search'),
      Body: JSON.stringify(spec),
      ContentType: 'application/json',
    }),
  );
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: layout.liveSearchKey(spec.tenant, spec.id),
      Body: '{}',
      ContentType: 'application/json',
    }),
  );
}
