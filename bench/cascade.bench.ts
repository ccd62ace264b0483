// Benchmarks libs/cascade against the goals, single-threaded:
//   one pair, 50,000 samples: grid sweep + Procedure A + budgets ≤ 20 ms;
//   all 100 × 100 base/saver pairs ≤ 60 s.
// Also times the research code's way (rescan all samples for each of 1,000 thresholds) on the
// same pair for comparison. Prints a table and writes bench/results/cascade.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ModelOutcomes } from '@tinysaver/cascade';
import {
  bootstrapAtThreshold,
  buildPairGrid,
  decodeRecord,
  encodeRecord,
  exactCurve,
  paretoFrontier,
  prepareOutcomes,
  procedureA,
  rankSavers,
  readBudgets,
  sweepGrid,
} from '@tinysaver/cascade';
import { syntheticRecord, syntheticZoo } from './synthetic-zoo';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50_000);
const MODELS = Number(process.env.BENCH_MODELS ?? 100);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 30);

interface Timing {
  name: string;
  goalMs?: number;
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

function time(name: string, runs: number, fn: () => unknown, goalMs?: number): Timing {
  fn(); // warm-up: JIT and caches
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  return {
    name,
    goalMs,
    runs,
    minMs: ms[0],
    medianMs: ms[Math.floor(runs / 2)],
    maxMs: ms[runs - 1],
  };
}

/** Everything the farm computes for one pair from prepared outcomes on both splits. */
function analyseOnePair(sel: [ModelOutcomes, ModelOutcomes], ev: [ModelOutcomes, ModelOutcomes]) {
  const selection = buildPairGrid(sel[0], sel[1]);
  const evaluation = buildPairGrid(ev[0], ev[1]);
  return {
    match: procedureA(selection),
    budgets: readBudgets(selection, evaluation),
    frontier: paretoFrontier(sweepGrid(selection)),
  };
}

/**
 * The research code's loop: for each of the 1,000 thresholds, rescan every sample (it builds the
 * whole table, then reads Procedure A's row from it).
 */
function plainThresholdLoop(saver: ModelOutcomes, base: ModelOutcomes) {
  const n = saver.confidence.length;
  let kept = 0;
  for (let k = 1000; k >= 1; k--) {
    const tau = k / 1000;
    let exits = 0;
    let saverRight = 0;
    let baseRight = 0;
    for (let i = 0; i < n; i++) {
      if (saver.confidence[i] > tau) {
        exits++;
        saverRight += saver.correct[i];
        baseRight += base.correct[i];
      }
    }
    if (kept === 0 && exits > 0 && saverRight / exits < baseRight / exits) kept = k;
  }
  return kept || 1;
}

function provenance() {
  let sha = 'unknown';
  try {
    sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout: leave unknown
  }
  return {
    date: new Date().toISOString(),
    gitSha: sha,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    samples: SAMPLES,
    models: MODELS,
  };
}

function main() {
  const machine = provenance();
  console.log(
    `libs/cascade benchmark — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, git ${machine.gitSha}`,
  );
  console.log(
    `${MODELS} models × ${SAMPLES} samples per split (synthetic, seeded), single-threaded\n`,
  );
  const selection = syntheticZoo(MODELS, SAMPLES, 1);
  const evaluation = syntheticZoo(MODELS, SAMPLES, 2);
  const saver = Math.floor(MODELS / 10);
  const base = MODELS - 1;
  const sel: [ModelOutcomes, ModelOutcomes] = [selection[saver], selection[base]];
  const ev: [ModelOutcomes, ModelOutcomes] = [evaluation[saver], evaluation[base]];
  // The same τ must come out both ways, or the comparison means nothing.
  const fast = procedureA(buildPairGrid(sel[0], sel[1])).match.k;
  const plain = plainThresholdLoop(sel[0], sel[1]);
  if (fast !== plain)
    throw new Error(`Procedure A disagrees with the plain loop: k ${fast} vs ${plain}`);

  const recordBytes = encodeRecord(syntheticRecord(ev[1], 5));
  const timings: Timing[] = [
    time(
      `per model and split: decode a ${(recordBytes.length / 2 ** 20).toFixed(1)} MiB top-5 record + prepare`,
      10,
      () => prepareOutcomes(decodeRecord(recordBytes)),
    ),
    time(
      'one pair: sweep + Procedure A + budgets + frontier (2 splits)',
      REPEATS,
      () => analyseOnePair(sel, ev),
      20,
    ),
    time('one pair: research-code loop, 1,000 thresholds × all samples (1 split)', 5, () =>
      plainThresholdLoop(sel[0], sel[1]),
    ),
    time('one pair: exact curve (sort once)', 10, () => exactCurve(sel[0], sel[1])),
    time('one pair: bootstrap CI, 1,000 replicates', 3, () =>
      bootstrapAtThreshold({ saver: ev[0], base: ev[1], threshold: 0.9 }),
    ),
  ];
  let pairs = 0;
  timings.push(
    time(
      `all ${MODELS} × ${MODELS} ordered pairs (self excluded): full pair analysis`,
      1,
      () => {
        pairs = 0;
        for (let b = 0; b < MODELS; b++)
          for (let s = 0; s < MODELS; s++) {
            if (s === b) continue;
            analyseOnePair([selection[s], selection[b]], [evaluation[s], evaluation[b]]);
            pairs++;
          }
      },
      60_000,
    ),
    time(`saver ranking for all ${MODELS} bases (all cheaper candidates)`, 1, () => {
      for (let b = 0; b < MODELS; b++) rankSavers(selection[b], selection);
    }),
  );

  const rows = timings.map((t) => ({
    ...t,
    verdict: t.goalMs === undefined ? '' : t.maxMs <= t.goalMs ? 'meets goal' : 'MISSES goal',
  }));
  console.table(
    rows.map((r) => ({
      measurement: r.name,
      runs: r.runs,
      'min ms': r.minMs.toFixed(2),
      'median ms': r.medianMs.toFixed(2),
      'max ms': r.maxMs.toFixed(2),
      goal: r.goalMs === undefined ? '' : `≤ ${r.goalMs} ms`,
      verdict: r.verdict,
    })),
  );
  const onePair = rows[1].medianMs;
  const plainMs = rows[2].medianMs;
  console.log(`\nPairs analysed in the all-pairs run: ${pairs}`);
  console.log(
    `Research-code loop on one split vs the full analysis of both splits: ${(plainMs / onePair).toFixed(1)}× the time`,
  );
  const out = join(__dirname, 'results', 'cascade.json');
  writeFileSync(out, JSON.stringify({ machine, pairs, timings: rows }, null, 2) + '\n');
  console.log(`Wrote ${out}`);
  if (rows.some((r) => r.verdict === 'MISSES goal')) process.exitCode = 1;
}

main();
