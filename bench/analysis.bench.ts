// libs/cascade's pair analysis against a plain numpy implementation of the research code's
// threshold loop (bench/analysis/threshold_loop.py) on the same records: the seeded synthetic
// zoo of cascade.bench.ts, exported as .npy to a temporary folder.
// Goal (issue): analysis ≥ 20 × the numpy loop, for one pair and for all 100 × 100 pairs.
// Correctness first: numpy's curve, Procedure A, budgets and frontiers must equal libs/cascade's.
// Prints the tables and writes bench/results/analysis.{json,md} (full-size runs only).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecord, encodeRecord, prepareOutcomes } from '@tinysaver/cascade';
import type { ModelOutcomes } from '@tinysaver/cascade';
import { syntheticRecord, syntheticZoo } from './synthetic-zoo';
import { comparePair, compareSummaries, researchLiteralDrift } from './analysis/compare-outputs';
import type { Batch } from './analysis/measured-runs';
import { MeasuredRuns, stats, timeSync } from './analysis/measured-runs';
import { NumpyLoop, SINGLE_THREAD_ENV } from './analysis/numpy-loop';
import type { LoopVariant } from './analysis/numpy-loop';
import type { SplitOutcomes } from './analysis/pair-analysis';
import { analysePair, orderedPairs, samplePairs, summarise } from './analysis/pair-analysis';
import type { Row } from './analysis/report';
import { provenance, ratioTable, row, timingTable } from './analysis/report';
import { ratios } from './analysis/ratios';
import { renderMarkdown } from './analysis/markdown';
import { exportZoo, prepareFromFiles, readLabels, SPLITS } from './analysis/zoo-export';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MODELS = env('BENCH_MODELS', 100);
const SAMPLES = env('BENCH_SAMPLES', 50_000);
/** libs/cascade one-pair repeats. */
const REPEATS = env('BENCH_REPEATS', 30);
/** numpy one-pair repeats (≈ 0.7 s each at full size). */
const NUMPY_REPEATS = env('BENCH_NUMPY_REPEATS', 7);
/** Pairs in numpy's all-pairs sample and how often it runs (≈ 0.7 s per pair at full size). */
const NUMPY_PAIRS = env('BENCH_NUMPY_PAIRS', 100);
const NUMPY_RUNS = env('BENCH_NUMPY_RUNS', 3);
const ALL_PAIRS_RUNS = env('BENCH_ALL_PAIRS_RUNS', 3);
/** Run numpy over all pairs too: 1 always, 0 never, unset when projected ≤ 10 min. */
const NUMPY_FULL = process.env.BENCH_NUMPY_FULL;
const FULL_NUMPY_LIMIT_MS = 10 * 60_000;
const GOAL_RATIO = 20;
const PAIR_SEED = 20_240_326;
const FULL_SIZE = MODELS === 100 && SAMPLES === 50_000;

type PairList = [number, number][];

function log(line: string) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** Numpy timings are taken inside Python; one extra first repeat warms it up and is dropped. */
async function numpyTimes(
  loop: NumpyLoop,
  variant: LoopVariant,
  pair: [number, number],
  n: number,
) {
  const { ms } = await loop.time(variant, pair[0], pair[1], n + 1);
  return ms.slice(1);
}

/** Correctness first: the benchmarked pair in full; fails the bench on any difference. */
async function checkPair(zoo: SplitOutcomes, numpy: NumpyLoop, pair: [number, number]) {
  const ours = analysePair(zoo, pair[0], pair[1]);
  const theirs = await numpy.analyse(pair[0], pair[1]);
  const comparison = comparePair(ours, theirs);
  // The other numpy variants are timed too, so they must give the same outputs.
  const lean = comparePair(ours, theirs.lean);
  const histogram = comparePair(ours, theirs.histogram);
  const all = [
    ['research loop', comparison],
    ['lean loop', lean],
    ['histogram', histogram],
  ] as const;
  for (const [what, c] of all) {
    if (c.mismatches.length === 0) continue;
    console.error(c.mismatches.slice(0, 20).join('\n'));
    throw new Error(
      `numpy (${what}) and libs/cascade disagree on pair ${pair[0]}→${pair[1]} (${c.mismatches.length} differences)`,
    );
  }
  const drift = researchLiteralDrift(ours, theirs);
  log(
    `correct: ${comparison.checkedPoints} grid points (counts exact; floats within ${JSON.stringify(comparison.maxFloatDiff)}), Procedure A k=${ours.procedureA.match.k}, budgets k=${ours.budgets.map((b) => `${b.selection.k}/${b.oracle.k}`).join(' ')}, frontiers equal`,
  );
  return {
    ...comparison,
    leanMaxFloatDiff: lean.maxFloatDiff,
    histogramMaxFloatDiff: histogram.maxFloatDiff,
    drift,
    procedureA: ours.procedureA.match,
    budgets: ours.budgets,
  };
}

/** Per (model, split) preparation each side does once and shares across the pairs. */
async function measurePreparation(
  runs: MeasuredRuns,
  numpy: NumpyLoop,
  zoo: SplitOutcomes,
  dir: string,
  base: number,
) {
  const keys = zoo.selection[0].keys;
  const labels = {
    selection: readLabels(dir, 'selection'),
    evaluation: readLabels(dir, 'evaluation'),
  };
  const model = zoo.evaluation[base];
  const fromFiles = () =>
    prepareFromFiles(dir, 'evaluation', model.name, model.macs, labels.evaluation, keys);
  const recordBytes = encodeRecord(syntheticRecord(model, 5));
  const recordMiB = (recordBytes.length / 2 ** 20).toFixed(1);
  const numpyOne = await runs.batch('numpy prepare', () =>
    numpy.timePrepare('evaluation', base, 10).then(({ ms }) => ms),
  );
  const numpyLevels = await runs.batch('numpy grid levels', () =>
    numpy.timeLevels('evaluation', base, 11).then(({ ms }) => ms.slice(1)),
  );
  const oursOne = await runs.batch('libs/cascade prepare from .npy', () => timeSync(10, fromFiles));
  const oursRecord = await runs.batch('libs/cascade decode record', () =>
    timeSync(10, () => prepareOutcomes(decodeRecord(recordBytes))),
  );
  const numpyAll = await runs.batch('numpy prepare all', async () => {
    const { prepareMs } = await numpy.load();
    return [prepareMs.reduce((a, b) => a + b, 0)];
  });
  let prepared: ModelOutcomes[] = [];
  const oursAll = await runs.batch('libs/cascade prepare all', () => {
    const start = performance.now();
    prepared = SPLITS.flatMap((split) =>
      zoo[split].map((o) => prepareFromFiles(dir, split, o.name, o.macs, labels[split], keys)),
    );
    return [performance.now() - start];
  });
  // The exported files must give back exactly the outcomes the zoo holds.
  const zooAll = SPLITS.flatMap((split) => zoo[split]);
  prepared.forEach((o, i) => {
    const z = zooAll[i];
    if (
      o.confidence.some((c, j) => c !== z.confidence[j]) ||
      o.correct.some((c, j) => c !== z.correct[j])
    )
      throw new Error(`${o.name}: outcomes read back from the .npy export differ from the zoo's`);
  });
  const count = zooAll.length;
  return [
    row(
      'prepare-numpy',
      'numpy',
      'per model and split: np.load confidence + top-1 class (.npy), == label',
      [numpyOne],
    ),
    row(
      'prepare-levels-numpy',
      'numpy',
      'per model and split: grid levels (np.searchsorted), for the histogram variant only',
      [numpyLevels],
    ),
    row(
      'prepare-files',
      'libs/cascade',
      'per model and split: read the same .npy files, == label, makeOutcomes (grid levels)',
      [oursOne],
    ),
    row(
      'prepare-record',
      'libs/cascade',
      `per model and split: decode a ${recordMiB} MiB top-5 farm record + prepareOutcomes (as the farm does)`,
      [oursRecord],
    ),
    row('prepare-all-numpy', 'numpy', `all ${count} (model, split): load + prepare`, [numpyAll]),
    row('prepare-all-files', 'libs/cascade', `all ${count} (model, split): read .npy + prepare`, [
      oursAll,
    ]),
  ];
}

async function measureOnePair(
  runs: MeasuredRuns,
  numpy: NumpyLoop,
  zoo: SplitOutcomes,
  dir: string,
  pair: [number, number],
  extraPids: number[],
) {
  const name = `${pair[0]}→${pair[1]}`;
  const ours = await runs.batch('libs/cascade one pair', () =>
    // 20 warm-up calls: V8 optimises these loops only after a few calls.
    timeSync(REPEATS, () => analysePair(zoo, pair[0], pair[1]), 20),
  );
  const brief = await runs.batch('numpy one pair', () =>
    numpyTimes(numpy, 'brief', pair, NUMPY_REPEATS),
  );
  // Same loop with numpy's thread pools left at their defaults (the loop calls no BLAS).
  const defaultEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !(name in SINGLE_THREAD_ENV)),
  );
  const defaults = new NumpyLoop(dir, defaultEnv);
  extraPids.push(defaults.pid);
  let defaultThreads: Batch;
  try {
    await defaults.load();
    defaultThreads = await runs.batch('numpy one pair, default threads', () =>
      numpyTimes(defaults, 'brief', pair, Math.min(5, NUMPY_REPEATS)),
    );
  } finally {
    defaults.close();
  }
  const lean = await runs.batch('numpy lean loop', () => numpyTimes(numpy, 'lean', pair, 5));
  const histogram = await runs.batch('numpy histogram', () =>
    numpyTimes(numpy, 'histogram', pair, NUMPY_REPEATS),
  );
  const literal = await runs.batch('numpy research literal', () =>
    numpyTimes(numpy, 'literal', pair, 3),
  );
  return [
    row(
      'pair-cascade',
      'libs/cascade',
      `one pair (${name}), both splits: grids + 1,001-point curves + Procedure A + budgets + frontiers`,
      [ours],
    ),
    row(
      'pair-numpy',
      'numpy',
      `one pair (${name}), both splits: research loop, 1,001 thresholds × all samples, then the same outputs (1 thread)`,
      [brief],
    ),
    row('pair-numpy-default-threads', 'numpy', 'the same, numpy thread pools at their defaults', [
      defaultThreads,
    ]),
    row(
      'pair-numpy-lean',
      'numpy',
      'the same outputs, leaner loop body: mask + 3 count_nonzero per threshold, floats after the loop',
      [lean],
    ),
    row(
      'pair-numpy-histogram',
      'numpy',
      "for contrast, libs/cascade's algorithm in numpy: bincount by grid level + suffix sums, no threshold loop",
      [histogram],
    ),
    row(
      'pair-numpy-literal',
      'numpy',
      "the research code's match_performance as written (fancy indexing, its np.arange thresholds), both splits",
      [literal],
    ),
  ];
}

async function measureAllPairs(runs: MeasuredRuns, numpy: NumpyLoop, zoo: SplitOutcomes) {
  const all = orderedPairs(MODELS);
  const sample = samplePairs(all, NUMPY_PAIRS, PAIR_SEED);
  const analyseAll = (pairs: PairList) => {
    for (const [saver, base] of pairs) analysePair(zoo, saver, base);
  };
  const oursAll: Batch[] = [];
  for (let r = 0; r < ALL_PAIRS_RUNS; r++) {
    // One pass each: the one-pair runs before have warmed up the JIT.
    const batch = await runs.batch(`libs/cascade all pairs ${r + 1}/${ALL_PAIRS_RUNS}`, () => {
      const start = performance.now();
      analyseAll(all);
      return [performance.now() - start];
    });
    log(`libs/cascade, all ${all.length} pairs: ${batch.ms[0].toFixed(0)} ms`);
    oursAll.push(batch);
  }
  const oursSample = await runs.batch('libs/cascade sample', () =>
    timeSync(Math.max(3, NUMPY_RUNS), () => analyseAll(sample)),
  );
  const expected = sample.map(([s, b]) => summarise(analysePair(zoo, s, b)));
  const numpySample: Batch[] = [];
  for (let r = 0; r < NUMPY_RUNS; r++) {
    const batch = await runs.batch(`numpy sample ${r + 1}/${NUMPY_RUNS}`, async () => {
      const { ms, summaries } = await numpy.timePairs(sample);
      const wrong = compareSummaries(sample, expected, summaries);
      if (wrong.length > 0)
        throw new Error(`numpy disagrees on sampled pairs:\n${wrong.slice(0, 10).join('\n')}`);
      return [ms];
    });
    log(`numpy, ${sample.length} sampled pairs: ${batch.ms[0].toFixed(0)} ms`);
    numpySample.push(batch);
  }
  const perPairNumpy = stats(numpySample.flatMap((b) => b.ms)).medianMs / sample.length;
  const projectedMs = perPairNumpy * all.length;
  const rows: Row[] = [
    row(
      'all-cascade',
      'libs/cascade',
      `all ${MODELS} × ${MODELS} ordered pairs (${all.length}, self excluded): full pair analysis`,
      oursAll,
      all.length,
    ),
    row(
      'sample-cascade',
      'libs/cascade',
      `seeded sample of ${sample.length} ordered pairs: full pair analysis`,
      [oursSample],
      sample.length,
    ),
    row(
      'sample-numpy',
      'numpy',
      `the same ${sample.length} pairs: research loop + outputs (1 thread)`,
      numpySample,
      sample.length,
    ),
    {
      id: 'all-numpy-projected',
      side: 'numpy',
      measurement: `all ${all.length} pairs: ${all.length} × the sample's median per pair`,
      runs: 0,
      minMs: projectedMs,
      medianMs: projectedMs,
      maxMs: projectedMs,
      foreign: 0,
      repeated: 0,
      pairs: all.length,
      projection: true,
    },
  ];
  const runFull =
    NUMPY_FULL === '1' || (NUMPY_FULL === undefined && projectedMs <= FULL_NUMPY_LIMIT_MS);
  log(
    `numpy, all ${all.length} pairs projected: ${(projectedMs / 60_000).toFixed(1)} min${runFull ? '; running it in full' : ' (not run in full)'}`,
  );
  if (runFull) {
    const expectedAll = all.map(([s, b]) => summarise(analysePair(zoo, s, b)));
    const full = await runs.batch('numpy all pairs', async () => {
      const { ms, summaries } = await numpy.timePairs(all);
      const wrong = compareSummaries(all, expectedAll, summaries);
      if (wrong.length > 0) throw new Error(`numpy disagrees:\n${wrong.slice(0, 10).join('\n')}`);
      return [ms];
    });
    rows.push(
      row(
        'all-numpy',
        'numpy',
        `all ${all.length} pairs: research loop + outputs (1 thread)`,
        [full],
        all.length,
      ),
    );
  }
  return { rows, sample, projectedMs };
}

async function main() {
  const started = Date.now();
  const pair: [number, number] = [Math.floor(MODELS / 10), MODELS - 1];
  log(
    `${MODELS} models × ${SAMPLES} samples per split, 2 splits (synthetic, seeded); pair ${pair[0]}→${pair[1]}`,
  );
  const zoo: SplitOutcomes = {
    selection: syntheticZoo(MODELS, SAMPLES, 1),
    evaluation: syntheticZoo(MODELS, SAMPLES, 2),
  };
  const dir = mkdtempSync(join(tmpdir(), 'tinysaver-analysis-bench-'));
  const numpy = { loop: undefined as NumpyLoop | undefined };
  try {
    exportZoo(dir, zoo);
    log(`exported the records to ${dir}`);
    const loop = new NumpyLoop(dir, { ...process.env, ...SINGLE_THREAD_ENV });
    numpy.loop = loop;
    const machine = provenance(await loop.hello());
    log(
      `${machine.cpu}, ${machine.cores} cores; Node ${machine.node}, Python ${machine.python}, numpy ${machine.numpy}; git ${machine.gitSha}${machine.uncommittedChanges ? ' + uncommitted' : ''}`,
    );
    await loop.load();
    const extraPids: number[] = [];
    const runs = new MeasuredRuns(() => [process.pid, loop.pid, ...extraPids], {
      maxForeign: env('BENCH_MAX_FOREIGN', 0.1),
      maxAttempts: 3,
      quietWaitMs: 30_000,
      quietBudgetMs: env('BENCH_QUIET_BUDGET_S', 90) * 1000,
      repeatBudgetMs: env('BENCH_REPEAT_BUDGET_S', 120) * 1000,
    });
    const correctness = await checkPair(zoo, loop, pair);
    const rows = await measurePreparation(runs, loop, zoo, dir, pair[1]);
    log('preparation measured');
    rows.push(...(await measureOnePair(runs, loop, zoo, dir, pair, extraPids)));
    log('one pair measured');
    const allPairs = await measureAllPairs(runs, loop, zoo);
    rows.push(...allPairs.rows);
    const table = ratios(rows, GOAL_RATIO);
    const runtimeS = (Date.now() - started) / 1000;
    const tables = `${timingTable(rows)}\n\n${ratioTable(table)}`;
    console.log(`\n${tables}\n`);
    log(
      `waited ${(runs.waitedMs / 1000).toFixed(0)} s for quiet; repeated batches: ${runs.repeats.length}; bench ${runtimeS.toFixed(0)} s`,
    );
    const goalMet = table.filter((r) => r.goal !== undefined).every((r) => r.ratio >= r.goal!);
    const result = {
      machine,
      config: {
        models: MODELS,
        samples: SAMPLES,
        pair,
        numpyPairs: allPairs.sample.length,
        pairSeed: PAIR_SEED,
      },
      correctness: {
        maxFloatDiff: correctness.maxFloatDiff,
        leanMaxFloatDiff: correctness.leanMaxFloatDiff,
        histogramMaxFloatDiff: correctness.histogramMaxFloatDiff,
        checkedPoints: correctness.checkedPoints,
        procedureAK: correctness.procedureA.k,
        budgetsK: correctness.budgets.map((b) => ({
          drop: b.drop,
          k: b.selection.k,
          oracleK: b.oracle.k,
        })),
        sampledPairsAgree: allPairs.sample.length,
        researchLiteral: correctness.drift,
      },
      rows,
      ratios: table,
      goalMet,
      waitedForQuietS: runs.waitedMs / 1000,
      repeatedBatches: runs.repeats,
      runtimeS,
    };
    if (FULL_SIZE) {
      const out = join(__dirname, 'results');
      writeFileSync(join(out, 'analysis.json'), JSON.stringify(result, null, 2) + '\n');
      writeFileSync(
        join(out, 'analysis.md'),
        renderMarkdown({ ...result, goalRatio: GOAL_RATIO }, tables),
      );
      log(`wrote ${join(out, 'analysis.{json,md}')}`);
    } else log('smoke-size run: bench/results not written');
    if (!goalMet) {
      console.error(
        `Goal missed: libs/cascade is not ≥ ${GOAL_RATIO} × faster than the numpy loop`,
      );
      process.exitCode = 1;
    }
  } finally {
    numpy.loop?.close();
    if (!process.env.BENCH_KEEP_EXPORT) rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
