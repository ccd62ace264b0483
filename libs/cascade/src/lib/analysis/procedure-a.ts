import type { PairGrid } from '../outcomes/pair-grid';
import { GRID_STEPS } from '../outcomes/threshold-grid';
import type { GridPoint } from './grid-sweep';
import { gridPoint } from './grid-sweep';

export interface MatchRow extends GridPoint {
  /** Saver accuracy on the exit set E (0 when E is empty): METHOD's ee_acc. */
  readonly exitAccuracy: number;
  /** Base accuracy on the same E: METHOD's tgt_acc. */
  readonly baseAccuracyOnExits: number;
}

export interface MatchResult {
  /** The first failing row, as the research code keeps it (or τ = 0.001 if none fails). */
  readonly match: MatchRow;
  /** The row before it: the last τ at which the saver was still as accurate as the base on E. */
  readonly matchSafe: MatchRow;
  /** Whether the scan found a failing row at all. */
  readonly stopped: boolean;
}

function matchRow(grid: PairGrid, k: number): MatchRow {
  const e = grid.exits[k];
  return {
    ...gridPoint(grid, k),
    exitAccuracy: e === 0 ? 0 : grid.exitSaverCorrect[k] / e,
    baseAccuracyOnExits: e === 0 ? 0 : grid.exitBaseCorrect[k] / e,
  };
}

/**
 * Procedure A, "match performance" (METHOD §3): scan τ = 1.000 down to 0.001 and stop at the
 * first τ where the saver is strictly less accurate than the base on the samples that exit.
 * Both accuracies share the denominator |E|, so the comparison is made on exact counts.
 */
export function procedureA(grid: PairGrid): MatchResult {
  let previous: number | undefined;
  for (let k = GRID_STEPS; k >= 1; k--) {
    if (grid.exitSaverCorrect[k] < grid.exitBaseCorrect[k]) {
      // E is empty at τ = 1 (confidences are ≤ 1), so k = 1000 never fails and `previous` is set.
      return { match: matchRow(grid, k), matchSafe: matchRow(grid, previous ?? k), stopped: true };
    }
    previous = k;
  }
  const last = matchRow(grid, 1);
  return { match: last, matchSafe: last, stopped: false };
}
