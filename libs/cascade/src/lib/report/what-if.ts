import { assertSaverCheaper } from '../analysis/analyze-pair';
import type { PairSplits } from '../analysis/analyze-pair';
import { readBudgets } from '../analysis/budgets';
import type { PairTotals } from '../analysis/operating-point';
import { checkThreshold, operatingPoint } from '../analysis/operating-point';
import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { checkMacs } from '../outcomes/model-outcomes';
import { assertAligned, buildPairGrid } from '../outcomes/pair-grid';
import type { SplitPoint } from './split-point';
import { splitPoint } from './split-point';

/** Any threshold τ ∈ [0, 1], or an accuracy-drop budget in percentage points. */
export type WhatIfQuery = { threshold: number } | { budget: number };

export interface WhatIfAnswer {
  threshold: number;
  /** Set when the threshold was chosen (for a budget): on the selection split, as METHOD §5 says. */
  chosenOn?: 'selection';
  selection: SplitPoint;
  evaluation: SplitPoint;
}

/**
 * The reading at any τ, exact (METHOD §2): a sample exits iff its float32 confidence > τ. The
 * confidences are stored as float32, so the comparison below is `Math.fround(conf) > τ`. One
 * O(N) count: cheaper for a single query than sorting for exactCurve + exactPointAt.
 */
function readAt(saver: ModelOutcomes, base: ModelOutcomes, threshold: number): SplitPoint {
  assertAligned(saver, base);
  checkMacs(saver.name, saver.macs);
  checkMacs(base.name, base.macs);
  const { confidence, correct: sc } = saver;
  const bc = base.correct;
  const n = confidence.length;
  let exits = 0;
  let correct = base.correctCount;
  for (let i = 0; i < n; i++) {
    if (confidence[i] > threshold) {
      exits++;
      correct += sc[i] - bc[i];
    }
  }
  const totals: PairTotals = {
    n,
    baseCorrect: base.correctCount,
    saverMacs: saver.macs,
    baseMacs: base.macs,
  };
  return splitPoint(operatingPoint(totals, threshold, exits, correct));
}

/**
 * The what-if query for one pair: at a given threshold, both splits read at it; for a budget,
 * the grid threshold chosen on the selection split (as the search's budgets are), both splits
 * read there.
 */
export function whatIf(pair: PairSplits, query: WhatIfQuery): WhatIfAnswer {
  const { selection, evaluation } = pair;
  if (
    selection.saver.name !== evaluation.saver.name ||
    selection.base.name !== evaluation.base.name
  )
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `A what-if needs one pair on both splits, got ${selection.saver.name}→${selection.base.name} ` +
        `and ${evaluation.saver.name}→${evaluation.base.name}.`,
    );
  assertSaverCheaper(selection.saver, selection.base);
  assertSaverCheaper(evaluation.saver, evaluation.base);
  // A key present but undefined counts as absent: request DTOs often carry both keys.
  const { threshold, budget } = query as { threshold?: number; budget?: number };
  if (threshold !== undefined && budget === undefined) {
    checkThreshold(threshold);
    return {
      threshold,
      selection: readAt(selection.saver, selection.base, threshold),
      evaluation: readAt(evaluation.saver, evaluation.base, threshold),
    };
  }
  if (budget !== undefined && threshold === undefined) {
    const [reading] = readBudgets(
      buildPairGrid(selection.saver, selection.base),
      buildPairGrid(evaluation.saver, evaluation.base),
      [budget],
    );
    return {
      threshold: reading.threshold,
      chosenOn: 'selection',
      selection: splitPoint(reading.selection),
      evaluation: splitPoint(reading.evaluation),
    };
  }
  throw new CascadeError(
    CascadeErrorCode.InvalidArgument,
    'A what-if asks either { threshold } (τ in [0, 1]) or { budget } (points of accuracy drop), ' +
      'exactly one of them.',
  );
}
