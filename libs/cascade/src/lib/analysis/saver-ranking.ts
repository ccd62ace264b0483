import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import { exactDeltaCKey } from './operating-point';
import type { MatchResult } from './procedure-a';
import { procedureA } from './procedure-a';

export interface RankedSaver {
  readonly model: string;
  readonly macs: number;
  /** 1 = best. */
  readonly rank: number;
  /** ΔC at the paper-exact match row (METHOD §3). */
  readonly deltaC: number;
  /** ΔC < 0: the saver pays for itself. The best saver is reported even when it does not. */
  readonly useful: boolean;
  readonly match: MatchResult['match'];
  readonly matchSafe: MatchResult['matchSafe'];
}

export interface RankingOptions {
  /** How many savers to keep. @defaultValue 5 */
  readonly topK?: number;
}

/**
 * Saver selection for one base (METHOD §4): every candidate with strictly fewer MACs, ranked by ΔC
 * ascending. ΔC ties keep candidate order (stable); they are decided exactly on integers
 * (N·C_S − e·C_B), since s − r in floating point can split a true tie.
 */
export function rankSavers(
  base: ModelOutcomes,
  candidates: readonly ModelOutcomes[],
  options: RankingOptions = {},
): RankedSaver[] {
  const topK = options.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 1)
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `topK must be a positive integer, got ${topK}. Ask for 5 to match the paper.`,
    );
  const scored = candidates
    .filter((saver) => saver.macs < base.macs)
    .map((saver) => {
      const grid = buildPairGrid(saver, base);
      const result = procedureA(grid);
      return {
        saver,
        result,
        key: exactDeltaCKey(grid.n, saver.macs, base.macs, result.match.exits),
      };
    });
  scored.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return scored.slice(0, topK).map(({ saver, result, key }, index) => ({
    model: saver.name,
    macs: saver.macs,
    rank: index + 1,
    deltaC: result.match.deltaC,
    useful: key < 0n,
    match: result.match,
    matchSafe: result.matchSafe,
  }));
}
