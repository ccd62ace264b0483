import fc from 'fast-check';
import { confidenceArb } from '../../testing/arbitraries';
import { GRID_STEPS, gridLevel, gridThreshold } from './threshold-grid';

describe('gridLevel', () => {
  it('is the count of grid thresholds the float32 confidence strictly exceeds', () => {
    fc.assert(
      fc.property(confidenceArb, (c) => {
        let expected = 0;
        for (let k = 0; k <= GRID_STEPS; k++) if (Math.fround(c) > k / 1000) expected++;
        expect(gridLevel(c)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('never exits at τ = 1 and never exits a zero confidence', () => {
    expect(gridLevel(1)).toBe(1000); // exits for k = 0..999, not at k = 1000
    expect(gridLevel(0)).toBe(0);
  });

  it('decides float32 boundaries: float32(0.2066) is below 0.2066, float32(0.3) above 0.3', () => {
    expect(Math.fround(0.2066) > 0.2066).toBe(false);
    expect(gridLevel(0.2066)).toBe(207); // exceeds 0.000 … 0.206
    expect(Math.fround(0.3) > 0.3).toBe(true);
    expect(gridLevel(0.3)).toBe(301); // float32(0.3) exits at τ = 0.300 itself
    expect(gridThreshold(503)).toBe(0.503);
  });
});
