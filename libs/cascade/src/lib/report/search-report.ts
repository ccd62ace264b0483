import { assertSaverCheaper } from '../analysis/analyze-pair';
import { budgetMicroPoints, readBudgets } from '../analysis/budgets';
import type { ChainStage } from '../analysis/chains';
import { chainCost, greedyChain } from '../analysis/chains';
import { gridPoint } from '../analysis/grid-sweep';
import type { RankedSaver } from '../analysis/saver-ranking';
import { rankSavers } from '../analysis/saver-ranking';
import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import type { Interval } from '../stats/bootstrap';
import { bootstrapAtThreshold, bootstrapSettings } from '../stats/bootstrap';
import type { MatchSummary, SplitPoint } from './split-point';
import { matchSummary, splitPoint } from './split-point';

/** One model's outcomes on both splits. */
export interface SplitOutcomes {
  readonly selection: ModelOutcomes;
  readonly evaluation: ModelOutcomes;
}

export interface SearchReportInput {
  /** Savers in candidate order: ΔC ties keep it (METHOD §4). */
  readonly bases: readonly { readonly name: string; readonly savers: readonly string[] }[];
  /**
   * Every model named in `bases`, under its name. All selection outcomes share one sample order
   * (one keys array), likewise all evaluation outcomes.
   */
  readonly outcomes: ReadonlyMap<string, SplitOutcomes>;
  /** Accuracy-drop budgets in percentage points. */
  readonly budgets: readonly number[];
  /** Savers kept per base. */
  readonly topK: number;
  /** Whether to build each base's greedy chain (METHOD §6). */
  readonly chains: boolean;
  /** CI for the budgets of each base's rank-1 saver only (cost); false = none. */
  readonly bootstrap: false | { replicates: number; seed: number; level: number };
}

export interface SearchReport {
  readonly bases: BaseReport[];
}

export interface BaseReport {
  model: string;
  macs: number;
  /** Fractions. */
  accuracy: { selection: number; evaluation: number };
  samples: { selection: number; evaluation: number };
  /** The rank-1 saver; null when the base has no candidate. */
  best: string | null;
  /** The top K by ΔC on the selection split. */
  savers: SaverReport[];
  /** Only when the input asks for chains. */
  chain?: ChainReport;
}

export interface SaverReport {
  model: string;
  macs: number;
  rank: number;
  deltaC: number;
  useful: boolean;
  /** Procedure A's paper-exact failing row, selection split. */
  match: MatchSummary;
  /** The row before it. */
  matchSafe: MatchSummary;
  /** The evaluation split read at match.threshold (the same grid index). */
  evaluationAtMatch: SplitPoint;
  budgets: BudgetReport[];
}

export interface BudgetReport {
  /** Percentage points. */
  drop: number;
  /** Chosen on the selection split. */
  threshold: number;
  selection: SplitPoint;
  /** Read at the selection split's threshold: the honest number. */
  evaluation: SplitPoint;
  /** The research code's reading: the threshold chosen on the evaluation split itself. */
  oracle: SplitPoint;
  /** Bootstrap on the evaluation split at `threshold`; rank-1 saver only. */
  ci?: {
    level: number;
    replicates: number;
    seed: number;
    accuracyDrop: Interval;
    computeSaving: Interval;
  };
}

/** What a chain of savers answers and costs; ratios over all samples of the split. */
export interface ChainSplit {
  accuracy: number;
  relativeCost: number;
  /** Per enabled exit in chain order, then the base (last entry). */
  answeredRatio: number[];
}

/**
 * The greedy chain over the base's ranked savers in rank order, built on the selection split
 * (each exit's threshold from its Procedure A `match` row), then costed with the same stages on
 * the evaluation split.
 */
export interface ChainReport {
  exits: {
    saver: string;
    enabled: boolean;
    threshold: number;
    exitRatio: number;
    passRatio: number;
    deltaC: number;
  }[];
  selection: ChainSplit;
  evaluation: ChainSplit;
}

function outcomesOf(input: SearchReportInput, name: string, role: string): SplitOutcomes {
  const found = input.outcomes.get(name);
  if (!found)
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `No outcomes for model "${name}" (${role}). Prepare its records on both the selection and the ` +
        'evaluation split and pass them under its name.',
    );
  const { selection, evaluation } = found;
  if (selection.name !== name || evaluation.name !== name || selection.macs !== evaluation.macs)
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Outcomes under "${name}" are of "${selection.name}" (${selection.macs} MACs) and ` +
        `"${evaluation.name}" (${evaluation.macs} MACs). Pass each model's own outcomes under its ` +
        'name, with the same MACs on both splits.',
    );
  return found;
}

function checkInput(input: SearchReportInput): void {
  // Settings are checked even when no base has a saver to use them on, so a bad request fails
  // the same way whatever the data.
  input.budgets.forEach(budgetMicroPoints);
  if (input.bootstrap) bootstrapSettings(input.bootstrap);
}

function splitSamples(base: SplitOutcomes): { selection: number; evaluation: number } {
  const selection = base.selection.confidence.length;
  const evaluation = base.evaluation.confidence.length;
  const empty = selection === 0 ? 'selection' : evaluation === 0 ? 'evaluation' : null;
  if (empty)
    throw new CascadeError(
      CascadeErrorCode.EmptySplit,
      `The ${empty} split has no samples for "${base.selection.name}". ` +
        'Register a dataset with at least one labelled image.',
    );
  return { selection, evaluation };
}

function saverReport(
  ranked: RankedSaver,
  saver: SplitOutcomes,
  base: SplitOutcomes,
  input: SearchReportInput,
): SaverReport {
  const selection = buildPairGrid(saver.selection, base.selection);
  const evaluation = buildPairGrid(saver.evaluation, base.evaluation);
  const bootstrap = ranked.rank === 1 ? input.bootstrap : false;
  // Budgets can share a threshold; the interval there is the same (same seed, same samples).
  const intervals = new Map<number, BudgetReport['ci']>();
  const ciAt = (threshold: number): BudgetReport['ci'] => {
    if (!bootstrap) return undefined;
    let ci = intervals.get(threshold);
    if (!ci) {
      const u = bootstrapAtThreshold(
        { saver: saver.evaluation, base: base.evaluation, threshold },
        bootstrap,
      );
      ci = {
        level: u.level,
        replicates: u.replicates,
        seed: u.seed,
        accuracyDrop: u.accuracyDrop,
        computeSaving: u.computeSaving,
      };
      intervals.set(threshold, ci);
    }
    return ci;
  };
  return {
    model: ranked.model,
    macs: ranked.macs,
    rank: ranked.rank,
    deltaC: ranked.deltaC,
    useful: ranked.useful,
    match: matchSummary(ranked.match),
    matchSafe: matchSummary(ranked.matchSafe),
    evaluationAtMatch: splitPoint(gridPoint(evaluation, ranked.match.k)),
    budgets: readBudgets(selection, evaluation, input.budgets).map((reading) => {
      const ci = ciAt(reading.threshold);
      return {
        drop: reading.drop,
        threshold: reading.threshold,
        selection: splitPoint(reading.selection),
        evaluation: splitPoint(reading.evaluation),
        oracle: splitPoint(reading.oracle),
        ...(ci ? { ci } : {}),
      };
    }),
  };
}

function chainReport(ranked: readonly SplitOutcomes[], base: SplitOutcomes): ChainReport {
  const built = greedyChain(
    ranked.map((s) => s.selection),
    base.selection,
  );
  const evaluationOf = new Map(ranked.map((s) => [s.selection, s.evaluation]));
  const stages: ChainStage[] = built.stages.map((stage) => ({
    saver: evaluationOf.get(stage.saver)!,
    threshold: stage.threshold,
  }));
  const evaluation = chainCost(stages, base.evaluation);
  return {
    exits: built.exits.map((exit) => ({
      saver: exit.saver,
      enabled: exit.enabled,
      threshold: exit.threshold,
      exitRatio: exit.exitRatio,
      passRatio: exit.passRatio,
      deltaC: exit.deltaC,
    })),
    selection: {
      accuracy: built.cost.accuracy,
      relativeCost: built.cost.relativeCost,
      answeredRatio: [...built.cost.answeredRatio],
    },
    evaluation: {
      accuracy: evaluation.accuracy,
      relativeCost: evaluation.relativeCost,
      answeredRatio: [...evaluation.answeredRatio],
    },
  };
}

function baseReport(
  entry: SearchReportInput['bases'][number],
  input: SearchReportInput,
): BaseReport {
  const base = outcomesOf(input, entry.name, 'a base');
  const samples = splitSamples(base);
  const candidates = new Map<string, SplitOutcomes>();
  for (const name of entry.savers) {
    if (candidates.has(name))
      throw new CascadeError(
        CascadeErrorCode.InvalidArgument,
        `Saver "${name}" is listed twice for base "${entry.name}". List each candidate once.`,
      );
    const saver = outcomesOf(input, name, `a saver of base "${entry.name}"`);
    // rankSavers would drop it silently; a listed saver that is not cheaper is a planning bug.
    assertSaverCheaper(saver.selection, base.selection);
    candidates.set(name, saver);
  }
  // Also with no candidates: rankSavers checks topK and returns [].
  const ranked = rankSavers(
    base.selection,
    [...candidates.values()].map((s) => s.selection),
    { topK: input.topK },
  );
  const report: BaseReport = {
    model: entry.name,
    macs: base.selection.macs,
    accuracy: {
      selection: base.selection.correctCount / samples.selection,
      evaluation: base.evaluation.correctCount / samples.evaluation,
    },
    samples,
    best: ranked.length ? ranked[0].model : null,
    savers: ranked.map((r) => saverReport(r, candidates.get(r.model)!, base, input)),
  };
  if (input.chains)
    report.chain = chainReport(
      ranked.map((r) => candidates.get(r.model)!),
      base,
    );
  return report;
}

/**
 * Everything a search's results.json holds per base (METHOD §3–§6), from outcomes already
 * aligned per split: savers ranked by ΔC on the selection split (top K), each with its Procedure
 * A rows, the evaluation split read at the match threshold, and budgets chosen on selection and
 * read on evaluation (plus the oracle reading); bootstrap intervals for the rank-1 saver's
 * budgets; optionally the greedy chain. Plain JSON values only: no typed arrays, no bigint.
 */
export function buildSearchReport(input: SearchReportInput): SearchReport {
  checkInput(input);
  return { bases: input.bases.map((entry) => baseReport(entry, input)) };
}
