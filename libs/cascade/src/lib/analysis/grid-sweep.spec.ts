import fc from 'fast-check';
import { costsArb, plainPoint, samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import { sweepGrid } from './grid-sweep';

describe('sweepGrid', () => {
  it('gives r, accuracy, R and ΔC of a plain rescan at each of the 1,001 thresholds', () => {
    fc.assert(
      fc.property(samplesArb(), costsArb, (s, { saverMacs, baseMacs }) => {
        const { saver, base } = pairOutcomes(s, saverMacs, baseMacs);
        const points = sweepGrid(buildPairGrid(saver, base));
        const n = s.conf.length;
        const ratio = saverMacs / baseMacs;
        expect(points).toHaveLength(1001);
        const plain = points.map((_, k) => plainPoint(s, k / 1000));
        // One comparison per property keeps 100 runs × 1,001 thresholds fast.
        expect(points.map((p) => [p.k, p.threshold, p.exits, p.correct, p.accuracy])).toEqual(
          plain.map((p, k) => [k, k / 1000, p.exits, p.correct, p.correct / n]),
        );
        const worst = Math.max(
          ...points.map((point, k) =>
            Math.max(
              Math.abs(point.relativeCost - (ratio + 1 - plain[k].exits / n)),
              Math.abs(point.deltaC - (ratio - plain[k].exits / n)),
            ),
          ),
        );
        expect(worst).toBeLessThan(1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('reads a single sample at both extremes', () => {
    const saver = makeOutcomes('S', 1, [0.42], [1]);
    const base = makeOutcomes('B', 4, [0.9], [0], saver.keys);
    const points = sweepGrid(buildPairGrid(saver, base));
    expect(points[0]).toMatchObject({
      exits: 1,
      correct: 1,
      relativeCost: 0.25,
      accuracyDrop: -100,
    });
    expect(points[419]).toMatchObject({ exits: 1 });
    expect(points[420]).toMatchObject({ exits: 0, correct: 0, relativeCost: 1.25 });
  });
});
