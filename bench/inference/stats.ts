// min / median / max of a cell's runs: the tables show all three, ratios use medians.

export interface Stats {
  readonly runs: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return {
    runs: v.length,
    min: v[0] ?? NaN,
    median: v.length === 0 ? NaN : v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2,
    max: v[v.length - 1] ?? NaN,
  };
}

/** images/s from a count and milliseconds. */
export const rate = (images: number, ms: number) => images / (ms / 1000);
