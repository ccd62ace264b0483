import type { PairGrid } from '../outcomes/pair-grid';
import { GRID_STEPS, gridThreshold } from '../outcomes/threshold-grid';
import type { OperatingPoint } from './operating-point';
import { operatingPoint } from './operating-point';

export interface GridPoint extends OperatingPoint {
  /** Grid index: threshold = k/1000. */
  readonly k: number;
}

/** Cascade correct count at grid index k: saver on its exits, base on the rest. */
export function gridCorrect(grid: PairGrid, k: number): number {
  return grid.exitSaverCorrect[k] + grid.baseCorrect - grid.exitBaseCorrect[k];
}

export function gridPoint(grid: PairGrid, k: number): GridPoint {
  return { k, ...operatingPoint(grid, gridThreshold(k), grid.exits[k], gridCorrect(grid, k)) };
}

/** Procedure B's sweep (METHOD §5): one point per grid threshold, k = 0..1000 ascending. */
export function sweepGrid(grid: PairGrid): GridPoint[] {
  const points: GridPoint[] = [];
  for (let k = 0; k <= GRID_STEPS; k++) points.push(gridPoint(grid, k));
  return points;
}
