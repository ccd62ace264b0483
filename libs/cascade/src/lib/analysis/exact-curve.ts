import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { assertAligned } from '../outcomes/pair-grid';
import { checkMacs } from '../outcomes/model-outcomes';
import type { OperatingPoint, PairTotals } from './operating-point';
import { checkThreshold, operatingPoint } from './operating-point';

/**
 * The exact trade-off curve (METHOD §5): one point per distinct confidence v, read at τ = v
 * (exit set {c > v}), plus τ = 0 when no confidence is 0 (everything exits). Thresholds in
 * [v_g, v_{g-1}) all give point g's exit set, so each point carries the smallest threshold of its
 * set; the largest confidence's point is the "nothing exits" point. Ordered by τ descending
 * (exits ascending). Built by sorting the confidences once: O(N log N).
 */
export interface ExactCurve {
  readonly saver: string;
  readonly base: string;
  readonly totals: PairTotals;
  readonly points: readonly OperatingPoint[];
}

export function exactCurve(saver: ModelOutcomes, base: ModelOutcomes): ExactCurve {
  assertAligned(saver, base);
  checkMacs(saver.name, saver.macs);
  checkMacs(base.name, base.macs);
  const n = saver.confidence.length;
  const totals: PairTotals = {
    n,
    baseCorrect: base.correctCount,
    saverMacs: saver.macs,
    baseMacs: base.macs,
  };
  const conf = saver.confidence;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => conf[b] - conf[a]);

  const points: OperatingPoint[] = [];
  // Walking groups of equal confidence from the top: before group g, exactly the samples of
  // earlier groups have conf > v_g, which is the exit set at τ = v_g.
  let exits = 0;
  let correct = base.correctCount;
  const push = (threshold: number) =>
    points.push(operatingPoint(totals, threshold, exits, correct));
  for (let i = 0; i < n;) {
    const v = conf[order[i]];
    push(v);
    for (; i < n && conf[order[i]] === v; i++) {
      const j = order[i];
      exits++;
      correct += saver.correct[j] - base.correct[j];
    }
  }
  if (n === 0 || conf[order[n - 1]] > 0) push(0);

  return { saver: saver.name, base: base.name, totals, points };
}

/**
 * The reading at any threshold τ ∈ [0, 1] (the what-if query): the exit set {c > τ} equals that of
 * the curve point with the largest threshold ≤ τ. Binary search: O(log N).
 */
export function exactPointAt(curve: ExactCurve, threshold: number): OperatingPoint {
  checkThreshold(threshold);
  const { points } = curve;
  let lo = 0;
  let hi = points.length - 1; // points[hi].threshold is 0 or the smallest confidence ≤ τ.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].threshold <= threshold) hi = mid;
    else lo = mid + 1;
  }
  const p = points[lo];
  return operatingPoint(curve.totals, threshold, p.exits, p.correct);
}
