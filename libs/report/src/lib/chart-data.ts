// What each chart plots, as plain data: the page embeds it as JSON and its script hands it to
// uPlot. x is the relative compute R (cascade MACs over the base's), y the accuracy (a fraction).
import type { BaseReport } from '@tinysaver/cascade';
import type { CurveView, SearchResultsDocument } from '@tinysaver/contracts';

export type Split = 'selection' | 'evaluation';
export const SPLITS: readonly Split[] = ['selection', 'evaluation'];

export interface ChartSeries {
  /** `saver`: its grid curve; `budgets`: its chosen point per budget; `base`: the base alone. */
  readonly kind: 'saver' | 'budgets' | 'base';
  readonly label: string;
  /** The saver (kinds saver and budgets) or the base (kind base). */
  readonly model: string;
  readonly color: string;
  /** Relative compute R, ascending for a curve. */
  readonly x: number[];
  /** Accuracy (fraction), point by point with x. */
  readonly y: number[];
  /** Kind saver: indices of its Pareto-frontier points in x/y (drawn as dots on the line). */
  readonly frontier?: number[];
}

export interface ChartSpec {
  /** The id of the chart's element (ASCII: built from positions, never from names). */
  readonly id: string;
  readonly base: string;
  readonly split: Split;
  readonly dataset: string;
  readonly title: string;
  readonly series: ChartSeries[];
  /** Savers of the base whose curve on this split was not given: drawn without a line. */
  readonly missingCurves: string[];
}

/** Okabe–Ito: told apart with the common colour-vision deficiencies, and in greyscale print. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7F6000'];
export const BASE_COLOR = '#222222';

/** The colour of the saver ranked `rank` (1-based): the same in every chart and table. */
export const saverColor = (rank: number): string => PALETTE[(rank - 1) % PALETTE.length];

/** Six decimals: far below a pixel, and the JSON stays small. */
const round = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * A curve as chart points: sorted by R (ties in curve order), repeated points dropped (a grid
 * holds the same exit set at many thresholds), frontier indices carried over to the kept points.
 */
export function curvePoints(curve: Pick<CurveView, 'relativeCost' | 'accuracy' | 'frontier'>): {
  x: number[];
  y: number[];
  frontier: number[];
} {
  const n = Math.min(curve.relativeCost.length, curve.accuracy.length);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => curve.relativeCost[a] - curve.relativeCost[b] || a - b,
  );
  const x: number[] = [];
  const y: number[] = [];
  const kept = new Map<number, number>();
  for (const i of order) {
    const px = round(curve.relativeCost[i]);
    const py = round(curve.accuracy[i]);
    const last = x.length - 1;
    if (last < 0 || x[last] !== px || y[last] !== py) {
      x.push(px);
      y.push(py);
    }
    kept.set(i, x.length - 1);
  }
  const frontier = [
    ...new Set(curve.frontier.filter((i) => kept.has(i)).map((i) => kept.get(i)!)),
  ].sort((a, b) => a - b);
  return { x, y, frontier };
}

const key = (base: string, saver: string, split: Split) => JSON.stringify([base, saver, split]);

/** One chart per base and split, in the results' order. */
export function chartSpecs(
  results: SearchResultsDocument,
  curves: readonly CurveView[],
): ChartSpec[] {
  const byPair = new Map<string, CurveView>();
  for (const c of curves) if (c.search === results.id) byPair.set(key(c.base, c.saver, c.split), c);
  return results.bases.flatMap((base, b) =>
    SPLITS.map((split) => chartOf(results, base, b, split, byPair)),
  );
}

function chartOf(
  results: SearchResultsDocument,
  base: BaseReport,
  index: number,
  split: Split,
  byPair: ReadonlyMap<string, CurveView>,
): ChartSpec {
  const series: ChartSeries[] = [];
  const missingCurves: string[] = [];
  for (const saver of base.savers) {
    const color = saverColor(saver.rank);
    const curve = byPair.get(key(base.model, saver.model, split));
    if (curve)
      series.push({
        kind: 'saver',
        label: `#${saver.rank} ${saver.model}`,
        model: saver.model,
        color,
        ...curvePoints(curve),
      });
    else missingCurves.push(saver.model);
    if (saver.budgets.length)
      series.push({
        kind: 'budgets',
        label: `#${saver.rank} ${saver.model}: budgets`,
        model: saver.model,
        color,
        x: saver.budgets.map((b) => round(b[split].relativeCost)),
        y: saver.budgets.map((b) => round(b[split].accuracy)),
      });
  }
  series.push({
    kind: 'base',
    label: `${base.model} alone`,
    model: base.model,
    color: BASE_COLOR,
    x: [1],
    y: [round(base.accuracy[split])],
  });
  const dataset = results[split].dataset;
  return {
    id: `chart-${index}-${split}`,
    base: base.model,
    split,
    dataset,
    title: `${base.model} on ${split} (${dataset})`,
    series,
    missingCurves,
  };
}
