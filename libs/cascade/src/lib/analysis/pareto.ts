/** What the frontier needs of a point: exact counts on one split (same n for all points). */
export interface CountedPoint {
  readonly exits: number;
  readonly correct: number;
}

/**
 * Pareto frontier (METHOD §5) as indices into `points`: by relative cost ascending — that is,
 * exits descending, exactly — in a stable order, keeping a point only if its accuracy is strictly
 * above the last kept one. Indices come in frontier order (cheapest first). Columnar curves need
 * the indices; {@link paretoFrontier} maps them back to points, so the rule lives only here.
 */
export function paretoFrontierIndices(points: readonly CountedPoint[]): number[] {
  const order = points.map((_, index) => index);
  order.sort((a, b) => points[b].exits - points[a].exits || a - b);
  const kept: number[] = [];
  let best = -Infinity;
  for (const index of order) {
    if (points[index].correct > best) {
      kept.push(index);
      best = points[index].correct;
    }
  }
  return kept;
}

/** The frontier's points themselves, in frontier order (see {@link paretoFrontierIndices}). */
export function paretoFrontier<P extends CountedPoint>(points: readonly P[]): P[] {
  return paretoFrontierIndices(points).map((index) => points[index]);
}
