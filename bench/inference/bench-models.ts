// The models the inference bench compares: the zoo's cnn-small (its manifest gives MACs and
// preprocessing) and torchvision classifiers exported by bench/worker/export_imagenet.py (MACs
// from libs/profiler, as bench/profiler-torchvision.bench.ts counts them; timm's preprocessing).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  resolvePreprocess,
  type PreprocessInput,
  type ResolvedPreprocess,
} from '@tinysaver/cascade';
import { profileOnnx } from '@tinysaver/profiler';
import { ZOO_MODEL } from './options';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');
export const ZOO_SHARD_FILE = join(
  FIXTURES,
  'datasets',
  'fashion-mnist-evaluation',
  'evaluation-000000.tar.gz',
);

/**
 * timm's defaults for a torchvision ImageNet classifier: shorter side to floor(224 / 0.875) = 256
 * (bilinear), centre crop 224, ImageNet mean/std — what the worker bench registers, and what
 * peer_torch.py builds with torchvision.transforms.
 */
export const TIMM_IMAGENET: PreprocessInput = {
  inputSize: [3, 224, 224],
  cropPct: 0.875,
  interpolation: 'bilinear',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

export interface BenchModel {
  readonly name: string;
  readonly path: string;
  readonly bytes: Buffer;
  readonly sha256: string;
  /** Multiply-accumulates per image. */
  readonly macs: number;
  readonly numClasses: number;
  readonly preprocess: ResolvedPreprocess;
  /** Which shard the model runs on: the fixtures' PNGs or the synthetic JPEGs. */
  readonly shard: 'zoo' | 'jpeg';
  /** How peer_torch.py builds the same model in PyTorch. */
  readonly peerKind: 'zoo-cnn-small' | 'torchvision';
}

export interface ExportManifest {
  readonly torch: string;
  readonly torchvision: string;
  readonly opset: number;
  readonly models: Record<string, { file: string }>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function loadZooModel(): BenchModel {
  const zoo = JSON.parse(readFileSync(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8')) as {
    models: {
      name: string;
      file: string;
      sha256: string;
      macs: number;
      preprocess: PreprocessInput;
    }[];
  };
  const entry = zoo.models.find((m) => m.name === ZOO_MODEL);
  if (!entry) throw new Error(`${ZOO_MODEL} is not in fixtures/zoo/manifest.json`);
  const path = join(FIXTURES, 'zoo', entry.file);
  const bytes = readFileSync(path);
  if (sha256(bytes) !== entry.sha256) throw new Error(`${path} does not match its manifest`);
  return {
    name: ZOO_MODEL,
    path,
    bytes,
    sha256: entry.sha256,
    macs: entry.macs,
    numClasses: 10,
    preprocess: resolvePreprocess(entry.preprocess),
    shard: 'zoo',
    peerKind: 'zoo-cnn-small',
  };
}

export function loadExportedModel(dir: string, manifest: ExportManifest, name: string) {
  const entry = manifest.models[name];
  if (!entry)
    throw new Error(
      `${name} is not in ${join(dir, 'manifest.json')}: run /usr/bin/python3 bench/worker/export_imagenet.py ${dir} ${name}`,
    );
  const path = join(dir, entry.file);
  const bytes = readFileSync(path);
  const profile = profileOnnx(bytes);
  const model: BenchModel = {
    name,
    path,
    bytes,
    sha256: sha256(bytes),
    macs: Math.round(profile.macs),
    numClasses: profile.classes ?? 1000,
    preprocess: resolvePreprocess(TIMM_IMAGENET),
    shard: 'jpeg',
    peerKind: 'torchvision',
  };
  return model;
}

/** Number of samples in the fixture shard, from its dataset manifest. */
export function zooShardImages(): number {
  const manifest = JSON.parse(
    readFileSync(join(FIXTURES, 'datasets', 'fashion-mnist-evaluation', 'manifest.json'), 'utf8'),
  ) as { shards: { file: string; samples: number }[] };
  const shard = manifest.shards.find((s) => s.file === 'evaluation-000000.tar.gz');
  if (!shard) throw new Error('evaluation-000000.tar.gz is not in its dataset manifest');
  return shard.samples;
}
