import fc from 'fast-check';
import { samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { buildPairGrid } from '../outcomes/pair-grid';
import { sweepGrid } from './grid-sweep';
import { paretoFrontier, paretoFrontierIndices } from './pareto';

describe('paretoFrontier', () => {
  it('keeps exactly the points no cheaper-or-equal earlier point matches in accuracy', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const { saver, base } = pairOutcomes(s, 3, 8);
        const points = sweepGrid(buildPairGrid(saver, base));
        // Plain definition: stable order by R ascending; kept iff accuracy beats all before it.
        const ordered = points
          .map((p, i) => ({ p, i }))
          .sort((a, b) => a.p.relativeCost - b.p.relativeCost || a.i - b.i)
          .map(({ p }) => p);
        const expected = ordered.filter((p, i) =>
          ordered.slice(0, i).every((q) => q.accuracy < p.accuracy),
        );
        expect(paretoFrontier(points)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('gives indices into the input, cheapest first, the earliest of equal points', () => {
    const points = [
      { exits: 1, correct: 5 },
      { exits: 3, correct: 4 },
      { exits: 3, correct: 4 },
      { exits: 2, correct: 6 },
      { exits: 0, correct: 6 },
    ];
    expect(paretoFrontierIndices(points)).toEqual([1, 3]);
    expect(paretoFrontier(points)).toEqual([points[1], points[3]]);
  });

  it('returns nothing for no points and the single point for one', () => {
    expect(paretoFrontier([])).toEqual([]);
    expect(paretoFrontier([{ exits: 0, correct: 0 }])).toEqual([{ exits: 0, correct: 0 }]);
  });
});
