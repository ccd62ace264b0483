// The inference bench's knobs (environment variables) and their defaults. The defaults keep the
// full bench near 30 minutes on the 2-core machine when it is quiet; when other sessions keep it
// busy, up to 25 minutes more go to waiting for quiet and repeating disturbed parts (figures
// taken beside another benchmark are worth nothing). A smoke run names fewer models, batch sizes,
// images and runs.
import { availableParallelism } from 'node:os';

export const ZOO_MODEL = 'cnn-small';
export const IMAGENET_MODELS = [
  'resnet18',
  'resnet50',
  'mobilenet_v3_large',
  'convnext_tiny',
] as const;
const ALL_MODELS = [ZOO_MODEL, ...IMAGENET_MODELS];

/**
 * Images the PyTorch peer decodes and classifies per pass, where fewer than the shard's: the first
 * N of the same shard. Debian's torch runs convolutions with oneDNN but every nn.Linear with the
 * reference BLAS (BLAS_INFO=generic, one thread): convnext_tiny, whose pointwise convolutions
 * are Linear layers, manages ~0.3 images/s, so 256 images would take ~14 min per pass. 0 = not
 * measured by default (convnext_tiny at batch 128 needs 128 images: ~7 min per pass).
 */
const DEFAULT_PEER_IMAGES: Record<string, Record<number, number>> = {
  resnet50: { 1: 128, 32: 128, 128: 128 },
  convnext_tiny: { 1: 8, 32: 32, 128: 0 },
};

const list = (name: string, fallback: readonly string[]) =>
  (process.env[name] ?? fallback.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};

/** `resnet50@1=32,convnext_tiny@128=128,resnet18=64` (no `@`: every batch size). */
function peerImageOverrides(text: string): { model: string; batch?: number; images: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^([\w-]+)(?:@(\d+))?=(\d+)$/.exec(item);
      if (!m) throw new Error(`BENCH_INFERENCE_PEER_IMAGES: cannot read '${item}'`);
      return { model: m[1], batch: m[2] ? Number(m[2]) : undefined, images: Number(m[3]) };
    });
}

export interface BenchOptions {
  readonly models: string[];
  readonly batches: number[];
  /** Images in the synthetic JPEG shard; the limit and the farm use all of them. */
  readonly images: number;
  readonly runs: number;
  /** DataLoader num_workers values for the peer (0 always first: the default recorded). */
  readonly peerWorkers: number[];
  /** Images the peer classifies for a model at a batch size (the shard's size when not capped). */
  peerImages(model: string, batch: number, shardImages: number): number;
  /** A part of a run during which others used more than this share of the machine is repeated. */
  readonly maxForeign: number;
  readonly maxAttempts: number;
  /** Most seconds the bench waits for quiet before a part, and in all. */
  readonly quietWaitMs: number;
  readonly quietBudgetMs: number;
  /** Most seconds spent on repeated (disturbed) parts in all; after that they are kept. */
  readonly repeatBudgetMs: number;
  /** Images compared between the worker's and the peer's preprocessing, per model. */
  readonly parityImages: number;
  readonly redisUrl: string;
  /** Logical CPUs of this machine (the foreign-share denominator). */
  readonly cores: number;
}

export function readOptions(): BenchOptions {
  const models = list('BENCH_INFERENCE_MODELS', ALL_MODELS);
  for (const m of models)
    if (!ALL_MODELS.includes(m))
      throw new Error(`BENCH_INFERENCE_MODELS: '${m}' is not one of ${ALL_MODELS.join(', ')}`);
  const batches = list('BENCH_INFERENCE_BATCHES', ['1', '32', '128']).map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b >= 1))
    throw new Error('BENCH_INFERENCE_BATCHES must be positive integers');
  const peerWorkers = list('BENCH_INFERENCE_PEER_WORKERS', ['0']).map(Number);
  const overrides = peerImageOverrides(process.env.BENCH_INFERENCE_PEER_IMAGES ?? '');
  const runs = number('BENCH_INFERENCE_RUNS', 3);
  return {
    models: ALL_MODELS.filter((m) => models.includes(m)),
    batches,
    images: number('BENCH_INFERENCE_IMAGES', 256),
    runs,
    peerWorkers: [...new Set([0, ...peerWorkers])],
    peerImages(model, batch, shardImages) {
      const exact = overrides.find((o) => o.model === model && o.batch === batch);
      const any = overrides.find((o) => o.model === model && o.batch === undefined);
      const chosen = exact?.images ?? any?.images ?? DEFAULT_PEER_IMAGES[model]?.[batch];
      return Math.min(shardImages, chosen ?? shardImages);
    },
    maxForeign: number('BENCH_INFERENCE_MAX_FOREIGN', 0.1),
    maxAttempts: 3,
    quietWaitMs: number('BENCH_INFERENCE_QUIET_WAIT_S', 60) * 1000,
    quietBudgetMs: number('BENCH_INFERENCE_QUIET_BUDGET_S', 900) * 1000,
    repeatBudgetMs: number('BENCH_INFERENCE_REPEAT_BUDGET_S', 600) * 1000,
    parityImages: number('BENCH_INFERENCE_PARITY_IMAGES', 8),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    cores: availableParallelism(),
  };
}
