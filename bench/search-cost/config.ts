// What the search-cost bench searches and how often, from the environment (smoke-run knobs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../api/common';

export const FIXTURES = join(ROOT, 'fixtures');
export const SPLITS = ['selection', 'evaluation'] as const;
/** Every fixture shard holds 2,500 images. */
export const IMAGES_PER_SHARD = 2_500;

export interface ZooModel {
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
  readonly macs: number;
  readonly preprocess: Record<string, unknown>;
}

/** How the worker side of a farm is laid out: processes × compute threads × onnxruntime threads. */
export interface WorkerLayout {
  readonly label: string;
  readonly processes: number;
  readonly concurrency: number;
  readonly intraOpThreads: number;
}

export const LAYOUTS: Record<'one' | 'two' | 'oneByTwo', WorkerLayout> = {
  one: {
    label: '1 process × 1 compute thread × 2 ORT threads',
    processes: 1,
    concurrency: 1,
    intraOpThreads: 2,
  },
  two: {
    label: '2 processes × 1 compute thread × 1 ORT thread',
    processes: 2,
    concurrency: 1,
    intraOpThreads: 1,
  },
  oneByTwo: {
    label: '1 process × 2 compute threads × 1 ORT thread',
    processes: 1,
    concurrency: 2,
    intraOpThreads: 1,
  },
};

const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be an integer ≥ 0`);
  return value;
};

export function readZoo(): ZooModel[] {
  const manifest = readFileSync(join(FIXTURES, 'zoo', 'manifest.json'), 'utf8');
  return (JSON.parse(manifest) as { models: ZooModel[] }).models;
}

/**
 * Defaults: the 3 most expensive models other than resnet-ens as bases; as savers cnn-tiny (also
 * a base: its records serve both roles), mlp-256 and mlp-64; linear is the saver added later. resnet-ens (80.7 M MACs, 6× all the others
 * together) would make each cold search ~1 min on 2 cores and the 10 cold searches this bench
 * runs would not fit in ~12 min; BENCH_SEARCH_BASES=resnet-ens,resnet-8,cnn-small puts it back.
 */
export function benchConfig() {
  const zoo = readZoo();
  const byName = (name: string) => {
    const model = zoo.find((m) => m.name === name);
    if (!model)
      throw new Error(`no zoo model '${name}' (have ${zoo.map((m) => m.name).join(', ')})`);
    return model;
  };
  const bases = list('BENCH_SEARCH_BASES', 'resnet-8,cnn-small,cnn-tiny').map(byName);
  const savers = list('BENCH_SEARCH_SAVERS', 'cnn-tiny,mlp-256,mlp-64').map(byName);
  const added = byName(process.env.BENCH_SEARCH_ADDED_SAVER ?? 'linear');
  // A model both base and saver (cnn-tiny by default) needs its records once.
  const involved = [...new Map([...bases, ...savers].map((m) => [m.name, m])).values()];
  if (involved.some((m) => m.name === added.name))
    throw new Error(`the added saver '${added.name}' must not be in the first search`);
  const layouts = list('BENCH_SEARCH_LAYOUTS', 'one,two,oneByTwo').map((key) => {
    const layout = LAYOUTS[key as keyof typeof LAYOUTS];
    if (!layout) throw new Error(`BENCH_SEARCH_LAYOUTS: unknown '${key}' (one, two, oneByTwo)`);
    return layout;
  });
  return {
    bases,
    savers,
    added,
    involved,
    layouts,
    /** Cold searches per layout (each on a fresh farm). The first layout also runs warm + add. */
    runs: int('BENCH_SEARCH_RUNS', 3),
    /** One cold + warm search on a private Redis with MONITOR, for commands per job; 0 skips. */
    accounting: int('BENCH_SEARCH_ACCOUNTING', 1) > 0,
    /** A run in which others used more than this share of the machine is repeated … */
    foreignLimit: Number(process.env.BENCH_SEARCH_FOREIGN_LIMIT ?? 0.15),
    /** … at most this many times in all, and only while the bench is within its time budget. */
    tries: int('BENCH_SEARCH_TRIES', 2),
    budgetMs: int('BENCH_SEARCH_BUDGET_S', 570) * 1000,
    /** The aggregate job's poll (the worker's default is 2,000 ms; 250 keeps wall times sharp). */
    searchPollMs: int('BENCH_SEARCH_POLL_MS', 250),
  };
}

export type BenchConfig = ReturnType<typeof benchConfig>;
