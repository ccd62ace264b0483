import { CascadeError, CascadeErrorCode } from '../errors';
import type { PairGrid } from '../outcomes/pair-grid';
import { GRID_STEPS } from '../outcomes/threshold-grid';
import type { GridPoint } from './grid-sweep';
import { gridCorrect, gridPoint } from './grid-sweep';

/** The paper's budgets, in percentage points of accuracy drop. */
export const DEFAULT_BUDGETS: readonly number[] = [0.01, 0.5, 1.0];

/** Budgets are resolved to a millionth of a point so that feasibility is an integer comparison. */
const MICRO = 1_000_000;

export function budgetMicroPoints(drop: number): number {
  if (!Number.isFinite(drop) || drop < 0 || drop > 100)
    throw new CascadeError(
      CascadeErrorCode.InvalidBudget,
      `Accuracy-drop budget ${drop} is not a number of percentage points in [0, 100]. ` +
        'Give budgets like 0.01, 0.5 or 1.0 (points, not fractions).',
    );
  return Math.round(drop * MICRO);
}

/**
 * True when `correct ≥ baseCorrect − d·n/100`, decided on integers: 100·10⁶·(baseCorrect −
 * correct) ≤ dMicro·n. Floating-point forms of this test flip at exact 0.5-point boundaries.
 */
export function withinBudget(grid: PairGrid, correct: number, dropMicro: number): boolean {
  return 100 * MICRO * (grid.baseCorrect - correct) <= dropMicro * grid.n;
}

/**
 * The grid index chosen for a budget on one split (METHOD §5): the lowest relative cost (most
 * exits) whose accuracy stays within the budget; among equal exits the largest τ. τ = 1 exits
 * nothing and is always feasible, so there is always an answer.
 */
export function chooseBudgetIndex(grid: PairGrid, drop: number): number {
  const dropMicro = budgetMicroPoints(drop);
  let chosen = GRID_STEPS;
  for (let k = GRID_STEPS; k >= 0; k--) {
    if (grid.exits[k] > grid.exits[chosen] && withinBudget(grid, gridCorrect(grid, k), dropMicro))
      chosen = k;
  }
  return chosen;
}

export interface BudgetReading {
  /** The budget, in percentage points. */
  readonly drop: number;
  /** Chosen on the selection split. */
  readonly threshold: number;
  readonly selection: GridPoint;
  /** The evaluation split read at the selection split's threshold: the honest number. */
  readonly evaluation: GridPoint;
  /** The research code's reading: the threshold chosen on the evaluation split itself. */
  readonly oracle: GridPoint;
}

/**
 * Accuracy-drop budgets chosen on `selection` and reported on `evaluation` (plus the oracle
 * reading). Both grids must be of the same saver/base pair.
 */
export function readBudgets(
  selection: PairGrid,
  evaluation: PairGrid,
  budgets: readonly number[] = DEFAULT_BUDGETS,
): BudgetReading[] {
  if (selection.saver !== evaluation.saver || selection.base !== evaluation.base)
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Budgets need one pair on both splits, got ${selection.saver}→${selection.base} and ` +
        `${evaluation.saver}→${evaluation.base}.`,
    );
  return budgets.map((drop) => {
    const k = chooseBudgetIndex(selection, drop);
    return {
      drop,
      threshold: k / GRID_STEPS,
      selection: gridPoint(selection, k),
      evaluation: gridPoint(evaluation, k),
      oracle: gridPoint(evaluation, chooseBudgetIndex(evaluation, drop)),
    };
  });
}
