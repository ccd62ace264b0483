import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import type { PairGrid } from '../outcomes/pair-grid';
import { buildPairGrid } from '../outcomes/pair-grid';
import type { BudgetReading } from './budgets';
import { DEFAULT_BUDGETS, readBudgets } from './budgets';
import type { GridPoint } from './grid-sweep';
import { sweepGrid } from './grid-sweep';
import { paretoFrontier } from './pareto';
import type { MatchResult } from './procedure-a';
import { procedureA } from './procedure-a';

/** One saver/base pair's outcomes on the selection and evaluation splits. */
export interface PairSplits {
  readonly selection: { readonly saver: ModelOutcomes; readonly base: ModelOutcomes };
  readonly evaluation: { readonly saver: ModelOutcomes; readonly base: ModelOutcomes };
}

export interface PairAnalysis {
  readonly saver: string;
  readonly base: string;
  /** Procedure A on the selection split. */
  readonly selection: MatchResult;
  readonly budgets: BudgetReading[];
  readonly frontier: { readonly selection: GridPoint[]; readonly evaluation: GridPoint[] };
}

/** METHOD §1: equal or larger savers are never paired. */
export function assertSaverCheaper(saver: ModelOutcomes, base: ModelOutcomes): void {
  if (saver.macs >= base.macs)
    throw new CascadeError(
      CascadeErrorCode.SaverNotCheaper,
      `"${saver.name}" (${saver.macs} MACs) is not cheaper than "${base.name}" (${base.macs} MACs). ` +
        'A saver must have strictly fewer MACs than its base; pick a smaller model.',
    );
}

function pairGrid(saver: ModelOutcomes, base: ModelOutcomes): PairGrid {
  assertSaverCheaper(saver, base);
  return buildPairGrid(saver, base);
}

/** Everything the farm reports for one pair: Procedure A, budgets and both frontiers. */
export function analyzePair(
  splits: PairSplits,
  budgets: readonly number[] = DEFAULT_BUDGETS,
): PairAnalysis {
  const selection = pairGrid(splits.selection.saver, splits.selection.base);
  const evaluation = pairGrid(splits.evaluation.saver, splits.evaluation.base);
  return {
    saver: selection.saver,
    base: selection.base,
    selection: procedureA(selection),
    budgets: readBudgets(selection, evaluation, budgets),
    frontier: {
      selection: paretoFrontier(sweepGrid(selection)),
      evaluation: paretoFrontier(sweepGrid(evaluation)),
    },
  };
}
