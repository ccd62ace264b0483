import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { checkMacs } from '../outcomes/model-outcomes';
import { assertAligned, buildPairGrid } from '../outcomes/pair-grid';
import { checkThreshold } from './operating-point';
import type { MatchResult } from './procedure-a';
import { procedureA } from './procedure-a';

/** One saver in a chain S1 → S2 → … → B, exiting samples with confidence > threshold. */
export interface ChainStage {
  readonly saver: ModelOutcomes;
  readonly threshold: number;
}

export interface ChainCost {
  /** Samples answered by each saver stage, then by the base (last entry). */
  readonly answered: readonly number[];
  /** The same as fractions of all samples. */
  readonly answeredRatio: readonly number[];
  readonly correct: number;
  readonly accuracy: number;
  /** E[C] = Σ_k r_k · (C_1 + … + C_k) in MACs per sample (METHOD §6). */
  readonly expectedMacs: number;
  /** E[C] / C_B. */
  readonly relativeCost: number;
}

/**
 * Expected cost and accuracy of a given chain. Each stage sees only what earlier stages passed;
 * a sample that reaches the base has paid for every saver on the way.
 */
export function chainCost(stages: readonly ChainStage[], base: ModelOutcomes): ChainCost {
  checkMacs(base.name, base.macs);
  const n = base.confidence.length;
  const answered = new Array<number>(stages.length + 1).fill(0);
  let correct = 0;
  let expected = 0;
  const cumulative: number[] = [];
  let spent = 0;
  for (const stage of stages) {
    assertAligned(stage.saver, base);
    checkMacs(stage.saver.name, stage.saver.macs);
    checkThreshold(stage.threshold);
    spent += stage.saver.macs;
    cumulative.push(spent);
  }
  cumulative.push(spent + base.macs);
  for (let i = 0; i < n; i++) {
    let stage = 0;
    while (stage < stages.length && !(stages[stage].saver.confidence[i] > stages[stage].threshold))
      stage++;
    answered[stage]++;
    correct += stage < stages.length ? stages[stage].saver.correct[i] : base.correct[i];
  }
  answered.forEach((count, stage) => (expected += count * cumulative[stage]));
  if (n === 0)
    throw new CascadeError(
      CascadeErrorCode.EmptySplit,
      'The split has no samples to cost a chain on.',
    );
  return {
    answered,
    answeredRatio: answered.map((count) => count / n),
    correct,
    accuracy: correct / n,
    expectedMacs: expected / n,
    relativeCost: expected / n / base.macs,
  };
}

export interface GreedyExit {
  readonly saver: string;
  readonly enabled: boolean;
  /** Procedure A on the samples that reach this exit; null when none reach it. */
  readonly match: MatchResult | null;
  readonly threshold: number;
  /** r_i: samples this exit answers, over all N. */
  readonly exitRatio: number;
  /** p_i: samples that reach it and pass on, over all N. */
  readonly passRatio: number;
  /** ΔC_i = r_i·(c_prior + c_exit − 1) + p_i·c_exit (METHOD §6). */
  readonly deltaC: number;
}

export interface GreedyChainOptions {
  /**
   * Which Procedure A row sets each exit's threshold.
   * @defaultValue 'match' (the research code's failing row)
   */
  readonly row?: 'match' | 'matchSafe';
  /**
   * The research code always keeps the first exit, whatever its ΔC.
   * @defaultValue true
   */
  readonly alwaysEnableFirst?: boolean;
}

/**
 * The research code's greedy chain (METHOD §6): go through candidate exits in the given order,
 * run Procedure A on the samples that arrive, enable the exit iff its ΔC < 0, and remove the
 * samples it answers. Savers are independent models, so c_prior (base compute already spent
 * before the exit) is 0; the general form is kept so the arithmetic reads as METHOD states it.
 */
export function greedyChain(
  candidates: readonly ModelOutcomes[],
  base: ModelOutcomes,
  options: GreedyChainOptions = {},
): { exits: GreedyExit[]; stages: ChainStage[]; cost: ChainCost } {
  const row = options.row ?? 'match';
  const alwaysEnableFirst = options.alwaysEnableFirst ?? true;
  const n = base.confidence.length;
  const arriving = new Uint8Array(n).fill(1);
  const cPrior = 0;
  const exits: GreedyExit[] = [];
  const stages: ChainStage[] = [];
  candidates.forEach((saver, index) => {
    const grid = buildPairGrid(saver, base, arriving);
    if (grid.n === 0) {
      // Earlier exits answered everything: this one could only add cost.
      exits.push({
        saver: saver.name,
        enabled: false,
        match: null,
        threshold: 1,
        exitRatio: 0,
        passRatio: 0,
        deltaC: 0,
      });
      return;
    }
    const match = procedureA(grid);
    const chosen = match[row];
    const answered = grid.exits[chosen.k];
    const exitRatio = answered / n;
    const passRatio = (grid.n - answered) / n;
    const cExit = saver.macs / base.macs;
    const deltaC = exitRatio * (cPrior + cExit - 1) + passRatio * cExit;
    const enabled = deltaC < 0 || (index === 0 && alwaysEnableFirst);
    exits.push({
      saver: saver.name,
      enabled,
      match,
      threshold: chosen.threshold,
      exitRatio,
      passRatio,
      deltaC,
    });
    if (!enabled) return;
    stages.push({ saver, threshold: chosen.threshold });
    for (let i = 0; i < n; i++)
      if (arriving[i] && saver.confidence[i] > chosen.threshold) arriving[i] = 0;
  });
  return { exits, stages, cost: chainCost(stages, base) };
}
