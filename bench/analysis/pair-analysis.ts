// libs/cascade's side of the comparison: for one ordered pair, the same outputs the numpy loop
// produces — the 1,001-point curve on both splits, Procedure A on the selection split, the
// budgets (chosen on selection, read on evaluation, plus the oracle) and both Pareto frontiers.
// Like cascade.bench.ts it pairs any two models (no "saver must be cheaper" check), so all
// 100 × 99 ordered pairs are comparable work.
import type {
  BudgetReading,
  GridPoint,
  MatchResult,
  ModelOutcomes,
  PairGrid,
} from '@tinysaver/cascade';
import {
  buildPairGrid,
  paretoFrontier,
  procedureA,
  readBudgets,
  seededRandom,
  sweepGrid,
} from '@tinysaver/cascade';
import type { SplitName } from './zoo-export';

export type SplitOutcomes = Record<SplitName, ModelOutcomes[]>;

export interface CascadePairResult {
  grids: Record<SplitName, PairGrid>;
  curves: Record<SplitName, GridPoint[]>;
  procedureA: MatchResult;
  budgets: BudgetReading[];
  frontiers: Record<SplitName, GridPoint[]>;
}

export function analysePair(zoo: SplitOutcomes, saver: number, base: number): CascadePairResult {
  const selection = buildPairGrid(zoo.selection[saver], zoo.selection[base]);
  const evaluation = buildPairGrid(zoo.evaluation[saver], zoo.evaluation[base]);
  const curves = { selection: sweepGrid(selection), evaluation: sweepGrid(evaluation) };
  return {
    grids: { selection, evaluation },
    curves,
    procedureA: procedureA(selection),
    budgets: readBudgets(selection, evaluation),
    frontiers: {
      selection: paretoFrontier(curves.selection),
      evaluation: paretoFrontier(curves.evaluation),
    },
  };
}

/** The chosen thresholds of a pair, in the shape threshold_loop.py's `summary` gives them. */
export interface PairSummary {
  match: number;
  budgets: [number, number][];
}

export function summarise(result: CascadePairResult): PairSummary {
  return {
    match: result.procedureA.match.k,
    budgets: result.budgets.map((b) => [b.selection.k, b.oracle.k]),
  };
}

/** Every ordered (saver, base) pair of distinct models: M × (M − 1). */
export function orderedPairs(models: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let base = 0; base < models; base++)
    for (let saver = 0; saver < models; saver++) if (saver !== base) pairs.push([saver, base]);
  return pairs;
}

/** A seeded random subset of `pairs` (partial Fisher–Yates), for work too slow to run in full. */
export function samplePairs(
  pairs: readonly [number, number][],
  count: number,
  seed: number,
): [number, number][] {
  const next = seededRandom(seed);
  const pool = [...pairs];
  const take = Math.min(count, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + (next() % (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, take);
}
