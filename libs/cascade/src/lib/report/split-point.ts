import type { OperatingPoint } from '../analysis/operating-point';
import type { MatchRow } from '../analysis/procedure-a';

/**
 * One threshold's reading on one split, as reports serialise it: exactly the
 * {@link OperatingPoint} fields. Readings handed around inside the library carry more (a grid
 * point's `k`); {@link splitPoint} copies only these, so what JSON.stringify writes is fixed here.
 */
export type SplitPoint = OperatingPoint;

/** Procedure A's row (METHOD §3) without its grid index. */
export interface MatchSummary extends SplitPoint {
  /** Saver accuracy on the exit set E (0 when E is empty): METHOD's ee_acc. */
  readonly exitAccuracy: number;
  /** Base accuracy on the same E: METHOD's tgt_acc. */
  readonly baseAccuracyOnExits: number;
}

export function splitPoint(p: OperatingPoint): SplitPoint {
  return {
    threshold: p.threshold,
    exits: p.exits,
    correct: p.correct,
    exitRatio: p.exitRatio,
    accuracy: p.accuracy,
    relativeCost: p.relativeCost,
    deltaC: p.deltaC,
    accuracyDrop: p.accuracyDrop,
  };
}

export function matchSummary(row: MatchRow): MatchSummary {
  return {
    ...splitPoint(row),
    exitAccuracy: row.exitAccuracy,
    baseAccuracyOnExits: row.baseAccuracyOnExits,
  };
}
