import { CascadeError, CascadeErrorCode } from '../errors';

/** The totals every cascade number is a function of (METHOD §1). */
export interface PairTotals {
  readonly n: number;
  readonly baseCorrect: number;
  readonly saverMacs: number;
  readonly baseMacs: number;
}

/**
 * One threshold's reading. Counts are exact; ratios are derived from them in one division each.
 * Accuracies and ratios are fractions; `accuracyDrop` is in percentage points (base − cascade).
 */
export interface OperatingPoint {
  readonly threshold: number;
  readonly exits: number;
  readonly correct: number;
  readonly exitRatio: number;
  readonly accuracy: number;
  /** R = s + 1 − r: cascade MACs over base MACs. */
  readonly relativeCost: number;
  /** ΔC = s − r; negative means the saver pays off. Compute saved = −ΔC. */
  readonly deltaC: number;
  readonly accuracyDrop: number;
}

export function operatingPoint(
  totals: PairTotals,
  threshold: number,
  exits: number,
  correct: number,
): OperatingPoint {
  const { n, saverMacs: cs, baseMacs: cb } = totals;
  if (n === 0)
    throw new CascadeError(
      CascadeErrorCode.EmptySplit,
      'The split has no samples. Register a dataset with at least one labelled image.',
    );
  const denominator = cb * n;
  return {
    threshold,
    exits,
    correct,
    exitRatio: exits / n,
    accuracy: correct / n,
    relativeCost: (cs * n + cb * (n - exits)) / denominator,
    deltaC: (cs * n - cb * exits) / denominator,
    accuracyDrop: (100 * (totals.baseCorrect - correct)) / n,
  };
}

export function checkThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold <= 1))
    throw new CascadeError(
      CascadeErrorCode.InvalidThreshold,
      `Threshold ${threshold} is outside [0, 1]. Use a confidence threshold between 0 and 1.`,
    );
}

/** ΔC of two operating points on the same n compared exactly: N·C_S − e·C_B as an integer. */
export function exactDeltaCKey(
  n: number,
  saverMacs: number,
  baseMacs: number,
  exits: number,
): bigint {
  return BigInt(n) * BigInt(saverMacs) - BigInt(exits) * BigInt(baseMacs);
}
