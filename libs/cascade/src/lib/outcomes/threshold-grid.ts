/**
 * The threshold grid of METHOD §3/§5: τ = k/1000 for k = 0..1000, compared as
 * `Math.fround(conf) > k/1000` (strict). Every grid computation goes through `gridLevel`, so
 * the float32-vs-double boundary cases (0.2066 is not > 0.2066) are decided in one place.
 */
export const GRID_STEPS = 1000;

export function gridThreshold(k: number): number {
  return k / GRID_STEPS;
}

/**
 * The number of grid thresholds a confidence clears: #{k ∈ 0..1000 : conf > k/1000}.
 * A sample exits at grid index k iff `gridLevel(conf) > k`.
 */
export function gridLevel(conf: number): number {
  const c = Math.fround(conf);
  let level = Math.min(GRID_STEPS + 1, Math.max(0, Math.ceil(c * GRID_STEPS)));
  // c*1000 rounds, so nudge until the defining comparisons hold exactly.
  while (level > 0 && !(c > (level - 1) / GRID_STEPS)) level--;
  while (level <= GRID_STEPS && c > level / GRID_STEPS) level++;
  return level;
}
