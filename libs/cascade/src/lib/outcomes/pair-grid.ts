import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from './model-outcomes';
import { GRID_STEPS } from './threshold-grid';

/**
 * A saver/base pair on one split reduced to integer counts at every grid threshold
 * (k = 0..1000). Built in one pass over the samples plus one suffix sum over the grid, instead of
 * rescanning all samples for each threshold as the research code's loop does.
 */
export interface PairGrid {
  readonly saver: string;
  readonly base: string;
  readonly saverMacs: number;
  readonly baseMacs: number;
  readonly n: number;
  readonly baseCorrect: number;
  readonly saverCorrect: number;
  /** exits[k] = #{i : conf_i > k/1000}. */
  readonly exits: Int32Array;
  /** Saver-correct samples among those exits. */
  readonly exitSaverCorrect: Int32Array;
  /** Base-correct samples among those exits (METHOD §3's tgt_acc numerator). */
  readonly exitBaseCorrect: Int32Array;
}

/** Throws unless the two outcome sets describe the same samples in the same order. */
export function assertAligned(a: ModelOutcomes, b: ModelOutcomes): void {
  const n = a.keys.length;
  const same =
    a.keys === b.keys || (b.keys.length === n && a.keys.every((key, i) => b.keys[i] === key));
  if (!same || a.confidence.length !== b.confidence.length)
    throw new CascadeError(
      CascadeErrorCode.AlignMismatch,
      `Outcomes of "${a.name}" and "${b.name}" are not over the same samples in the same order. ` +
        'Align both records to one reference (alignRecords) before pairing them.',
    );
}

/**
 * `arriving` (optional, 1 = sample reaches this stage) restricts the counts to a subset, as the
 * chain construction needs; n still counts only arriving samples.
 */
export function buildPairGrid(
  saver: ModelOutcomes,
  base: ModelOutcomes,
  arriving?: Uint8Array,
): PairGrid {
  assertAligned(saver, base);
  const size = GRID_STEPS + 2;
  const exits = new Int32Array(size);
  const exitSaverCorrect = new Int32Array(size);
  const exitBaseCorrect = new Int32Array(size);
  const { level, correct: sc } = saver;
  const bc = base.correct;
  let n = 0;
  let baseCorrect = 0;
  let saverCorrect = 0;
  for (let i = 0; i < level.length; i++) {
    if (arriving && !arriving[i]) continue;
    const m = level[i];
    n++;
    exits[m]++;
    exitSaverCorrect[m] += sc[i];
    exitBaseCorrect[m] += bc[i];
    saverCorrect += sc[i];
    baseCorrect += bc[i];
  }
  // Histogram by level -> counts of samples with level > k, for k = 1000 down to 0.
  let e = 0;
  let s = 0;
  let b = 0;
  for (let k = size - 1; k >= 0; k--) {
    const he = exits[k];
    const hs = exitSaverCorrect[k];
    const hb = exitBaseCorrect[k];
    exits[k] = e;
    exitSaverCorrect[k] = s;
    exitBaseCorrect[k] = b;
    e += he;
    s += hs;
    b += hb;
  }
  return {
    saver: saver.name,
    base: base.name,
    saverMacs: saver.macs,
    baseMacs: base.macs,
    n,
    baseCorrect,
    saverCorrect,
    exits: exits.subarray(0, GRID_STEPS + 1),
    exitSaverCorrect: exitSaverCorrect.subarray(0, GRID_STEPS + 1),
    exitBaseCorrect: exitBaseCorrect.subarray(0, GRID_STEPS + 1),
  };
}
