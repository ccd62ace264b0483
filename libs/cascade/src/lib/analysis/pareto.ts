/** What the frontier needs of a point: exact counts on one split (same n for all points). */
export interface CountedPoint {
  readonly exits: number;
  readonly correct: number;
}

/**
 * Pareto frontier (METHOD §5): by relative cost ascending — that is, exits descending, exactly —
 * in a stable order, keeping a point only if its accuracy is strictly above the last kept one.
 */
export function paretoFrontier<P extends CountedPoint>(points: readonly P[]): P[] {
  const order = points.map((point, index) => ({ point, index }));
  order.sort((a, b) => b.point.exits - a.point.exits || a.index - b.index);
  const kept: P[] = [];
  let best = -Infinity;
  for (const { point } of order) {
    if (point.correct > best) {
      kept.push(point);
      best = point.correct;
    }
  }
  return kept;
}
