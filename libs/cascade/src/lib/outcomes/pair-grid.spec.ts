import fc from 'fast-check';
import { plainPoint, samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { makeOutcomes } from './model-outcomes';
import { buildPairGrid } from './pair-grid';
import { thrownCode } from '../../testing/thrown-code';

describe('buildPairGrid', () => {
  it('equals a plain rescan of all samples at every grid threshold', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const { saver, base } = pairOutcomes(s);
        const grid = buildPairGrid(saver, base);
        const got: number[][] = [];
        const want: number[][] = [];
        for (let k = 0; k <= 1000; k++) {
          const p = plainPoint(s, k / 1000);
          got.push([grid.exits[k], grid.exitSaverCorrect[k], grid.exitBaseCorrect[k]]);
          want.push([p.exits, p.exitSaverCorrect, p.exitBaseCorrect]);
        }
        expect(got).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('restricts counts to arriving samples', () => {
    const saver = makeOutcomes('S', 1, [0.9, 0.9, 0.1], [1, 0, 1]);
    const base = makeOutcomes('B', 2, [0.5, 0.5, 0.5], [0, 1, 1], saver.keys);
    const grid = buildPairGrid(saver, base, Uint8Array.from([0, 1, 1]));
    expect(grid.n).toBe(2);
    expect(grid.exits[500]).toBe(1);
    expect(grid.exitSaverCorrect[500]).toBe(0);
    expect(grid.baseCorrect).toBe(2);
  });

  it('refuses outcomes over different samples', () => {
    const saver = makeOutcomes('S', 1, [0.9, 0.2], [1, 0], ['a', 'b']);
    const base = makeOutcomes('B', 2, [0.5, 0.5], [0, 1], ['b', 'a']);
    expect(thrownCode(() => buildPairGrid(saver, base))).toBe(CascadeErrorCode.AlignMismatch);
  });

  it('refuses confidences outside [0, 1] with a hint about logits', () => {
    expect(() => makeOutcomes('S', 1, [1.5], [1])).toThrow(/not logits/);
    expect(thrownCode(() => makeOutcomes('S', 0, [0.5], [1]))).toBe(CascadeErrorCode.InvalidCost);
  });
});
