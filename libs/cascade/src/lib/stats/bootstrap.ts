import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { assertAligned } from '../outcomes/pair-grid';
import { checkThreshold } from '../analysis/operating-point';
import { quantile, resampledHistograms } from './random';

export interface BootstrapOptions {
  /** @defaultValue 1000 */
  readonly replicates?: number;
  /** Same seed, same intervals. @defaultValue 1 */
  readonly seed?: number;
  /** Two-sided coverage of the percentile interval. @defaultValue 0.95 */
  readonly level?: number;
}

export interface Interval {
  /** The statistic on the samples as they are. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapSettings {
  readonly replicates: number;
  readonly seed: number;
  readonly level: number;
}

/** A saver/base pair read at one threshold. */
export interface PairAtThreshold {
  readonly saver: ModelOutcomes;
  readonly base: ModelOutcomes;
  readonly threshold: number;
}

export interface ThresholdUncertainty extends BootstrapSettings {
  readonly threshold: number;
  /** Base accuracy minus cascade accuracy, in percentage points. */
  readonly accuracyDrop: Interval;
  /** Compute saved, r − s, as a fraction of the base's compute. */
  readonly computeSaving: Interval;
}

export interface SaverComparison extends BootstrapSettings {
  /** accuracyDrop(a) − accuracyDrop(b): below zero, a loses less accuracy. */
  readonly accuracyDropDifference: Interval;
  /** computeSaving(a) − computeSaving(b): above zero, a saves more. */
  readonly computeSavingDifference: Interval;
}

/** Defaults filled in and checked: what a caller can validate before any resampling. */
export function bootstrapSettings(options: BootstrapOptions = {}): BootstrapSettings {
  const replicates = options.replicates ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(replicates) || replicates < 2 || replicates > 1_000_000)
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Bootstrap replicates must be an integer in [2, 1000000], got ${replicates}.`,
    );
  if (!(level > 0 && level < 1))
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Bootstrap level must be strictly between 0 and 1 (e.g. 0.95), got ${level}.`,
    );
  if (!Number.isInteger(seed))
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Bootstrap seed must be an integer, got ${seed}.`,
    );
  return { replicates, level, seed };
}

/** Per-sample category: 3 bits per pair — exits, saver correct, base correct. */
function pairBits(pair: PairAtThreshold, i: number): number {
  const exit = pair.saver.confidence[i] > pair.threshold ? 4 : 0;
  return exit | (pair.saver.correct[i] << 1) | pair.base.correct[i];
}

/**
 * Resamples samples with replacement. Only category counts matter to the statistics, so each
 * replicate is reduced to a histogram of categories. Every call with the same seed draws the same
 * resamples, so intervals of different savers on one split are paired.
 */
function resampleCategoryCounts(
  categories: Uint8Array,
  numCategories: number,
  s: BootstrapSettings,
): Int32Array[] {
  return resampledHistograms(categories, numCategories, s.replicates, s.seed);
}

function originalCounts(categories: Uint8Array, numCategories: number): Int32Array {
  const counts = new Int32Array(numCategories);
  for (const c of categories) counts[c]++;
  return counts;
}

/** Reads (exits, cascade correct, base correct) of one pair out of a category histogram. */
function pairStats(
  counts: Int32Array,
  shift: number,
): { exits: number; correct: number; baseCorrect: number } {
  let exits = 0;
  let correct = 0;
  let baseCorrect = 0;
  counts.forEach((count, category) => {
    const bits = (category >> shift) & 7;
    const exit = bits & 4;
    const sc = (bits >> 1) & 1;
    const bc = bits & 1;
    if (exit) exits += count;
    correct += count * (exit ? sc : bc);
    baseCorrect += count * bc;
  });
  return { exits, correct, baseCorrect };
}

function interval(estimate: number, replicated: Float64Array, level: number): Interval {
  replicated.sort();
  const tail = (1 - level) / 2;
  return { estimate, low: quantile(replicated, tail), high: quantile(replicated, 1 - tail) };
}

function checkPair(pair: PairAtThreshold): void {
  assertAligned(pair.saver, pair.base);
  checkThreshold(pair.threshold);
  if (pair.saver.confidence.length === 0)
    throw new CascadeError(CascadeErrorCode.EmptySplit, 'The split has no samples to resample.');
}

/** Percentile bootstrap intervals for accuracy drop and compute saving at one threshold. */
export function bootstrapAtThreshold(
  pair: PairAtThreshold,
  options: BootstrapOptions = {},
): ThresholdUncertainty {
  checkPair(pair);
  const s = bootstrapSettings(options);
  const n = pair.saver.confidence.length;
  const ratio = pair.saver.macs / pair.base.macs;
  const categories = new Uint8Array(n);
  for (let i = 0; i < n; i++) categories[i] = pairBits(pair, i);
  const drop = (c: Int32Array) => {
    const st = pairStats(c, 0);
    return (100 * (st.baseCorrect - st.correct)) / n;
  };
  const saving = (c: Int32Array) => pairStats(c, 0).exits / n - ratio;
  const replicates = resampleCategoryCounts(categories, 8, s);
  const original = originalCounts(categories, 8);
  return {
    ...s,
    threshold: pair.threshold,
    accuracyDrop: interval(drop(original), Float64Array.from(replicates, drop), s.level),
    computeSaving: interval(saving(original), Float64Array.from(replicates, saving), s.level),
  };
}

/**
 * Paired bootstrap of two pairs on the same samples (typically two savers of one base, each at
 * its chosen threshold): intervals of the differences a − b. An interval that excludes 0 says
 * the difference is not resampling noise.
 */
export function compareSavers(
  a: PairAtThreshold,
  b: PairAtThreshold,
  options: BootstrapOptions = {},
): SaverComparison {
  checkPair(a);
  checkPair(b);
  assertAligned(a.saver, b.saver);
  const s = bootstrapSettings(options);
  const n = a.saver.confidence.length;
  const categories = new Uint8Array(n);
  for (let i = 0; i < n; i++) categories[i] = (pairBits(a, i) << 3) | pairBits(b, i);
  const ratioA = a.saver.macs / a.base.macs;
  const ratioB = b.saver.macs / b.base.macs;
  const dropDiff = (c: Int32Array) => {
    const sa = pairStats(c, 3);
    const sb = pairStats(c, 0);
    return (100 * (sa.baseCorrect - sa.correct - (sb.baseCorrect - sb.correct))) / n;
  };
  const savingDiff = (c: Int32Array) =>
    pairStats(c, 3).exits / n - ratioA - (pairStats(c, 0).exits / n - ratioB);
  const replicates = resampleCategoryCounts(categories, 64, s);
  const original = originalCounts(categories, 64);
  return {
    ...s,
    accuracyDropDifference: interval(
      dropDiff(original),
      Float64Array.from(replicates, dropDiff),
      s.level,
    ),
    computeSavingDifference: interval(
      savingDiff(original),
      Float64Array.from(replicates, savingDiff),
      s.level,
    ),
  };
}
