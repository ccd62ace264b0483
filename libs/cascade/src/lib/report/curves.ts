import { exactCurve } from '../analysis/exact-curve';
import { sweepGrid } from '../analysis/grid-sweep';
import type { OperatingPoint } from '../analysis/operating-point';
import { paretoFrontierIndices } from '../analysis/pareto';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';

/**
 * A trade-off curve for plots, one array per field (row i of every column is point i). Columns
 * keep the JSON a fraction of the size of an array of point objects, which repeats every key.
 */
export interface CurveColumns {
  threshold: number[];
  exits: number[];
  correct: number[];
  exitRatio: number[];
  accuracy: number[];
  relativeCost: number[];
  deltaC: number[];
  /** Indices of Pareto-frontier points (METHOD §5), cheapest first. */
  frontier: number[];
}

function columns(points: readonly OperatingPoint[]): CurveColumns {
  const column = (field: keyof OperatingPoint) => points.map((p) => p[field]);
  return {
    threshold: column('threshold'),
    exits: column('exits'),
    correct: column('correct'),
    exitRatio: column('exitRatio'),
    accuracy: column('accuracy'),
    relativeCost: column('relativeCost'),
    deltaC: column('deltaC'),
    frontier: paretoFrontierIndices(points),
  };
}

/** Procedure B's sweep (METHOD §5) on one split: k = 0..1000, threshold ascending. */
export function gridCurve(saver: ModelOutcomes, base: ModelOutcomes): CurveColumns {
  return columns(sweepGrid(buildPairGrid(saver, base)));
}

/** The exact curve (one point per distinct confidence), in exactCurve's order: τ descending. */
export function exactCurveColumns(saver: ModelOutcomes, base: ModelOutcomes): CurveColumns {
  return columns(exactCurve(saver, base).points);
}
