import fc from 'fast-check';
import { pairOutcomes, plainPoint, samplesArb } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { exactCurve } from '../analysis/exact-curve';
import { sweepGrid } from '../analysis/grid-sweep';
import { paretoFrontier } from '../analysis/pareto';
import { buildPairGrid } from '../outcomes/pair-grid';
import { thrownCode } from '../../testing/thrown-code';
import type { CurveColumns } from './curves';
import { exactCurveColumns, gridCurve } from './curves';

const fields = [
  'threshold',
  'exits',
  'correct',
  'exitRatio',
  'accuracy',
  'relativeCost',
  'deltaC',
] as const;

/** Row i of the columns as a point. */
const row = (c: CurveColumns, i: number) =>
  Object.fromEntries(fields.map((f) => [f, c[f][i]])) as Record<(typeof fields)[number], number>;

describe('gridCurve', () => {
  it('has 1,001 rows, k = 0..1000 ascending, each a plain rescan at k/1000', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const { saver, base } = pairOutcomes(s, 2, 9);
        const curve = gridCurve(saver, base);
        for (const f of fields) expect(curve[f]).toHaveLength(1001);
        for (const k of [0, 1, 206, 500, 999, 1000]) {
          const p = plainPoint(s, k / 1000);
          expect(row(curve, k)).toMatchObject({
            threshold: k / 1000,
            exits: p.exits,
            correct: p.correct,
          });
        }
        // Column by column against the sweep (a plain loop: deep equality of 7 × 1,001 values
        // in Jest's matcher takes seconds per run).
        const sweep = sweepGrid(buildPairGrid(saver, base));
        for (const f of fields) {
          expect(Array.isArray(curve[f])).toBe(true);
          expect([f, curve[f].findIndex((v, k) => !Object.is(v, sweep[k][f]))]).toEqual([f, -1]);
        }
        expect(Object.keys(curve).sort()).toEqual([...fields, 'frontier'].sort());
      }),
      { numRuns: 50 },
    );
  });

  it("marks exactly paretoFrontier's points, cheapest first", () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const { saver, base } = pairOutcomes(s, 2, 9);
        const curve = gridCurve(saver, base);
        const frontier = paretoFrontier(sweepGrid(buildPairGrid(saver, base)));
        expect(curve.frontier.map((i) => row(curve, i))).toEqual(
          frontier.map((p) => Object.fromEntries(fields.map((f) => [f, p[f]]))),
        );
        // Indices of the first point of each exit set: the lowest k, since ties keep order.
        expect(curve.frontier.map((i) => i)).toEqual(frontier.map((p) => p.k));
      }),
      { numRuns: 100 },
    );
  });

  it('is plain arrays of numbers, so it survives JSON', () => {
    const { saver, base } = pairOutcomes({
      conf: [0.9, 0.2],
      saverCorrect: [1, 0],
      baseCorrect: [0, 1],
    });
    const curve = gridCurve(saver, base);
    expect(JSON.parse(JSON.stringify(curve))).toStrictEqual(curve);
    // float32(0.2) is just above 0.2: both exit up to τ = 0.2 (1 right); only 0.9 exits from
    // 0.201 to 0.899 (2 right, the best); nothing from 0.9 on (1 right). Frontier: most exits
    // first, then the first threshold of the 2-right set.
    expect(curve.frontier).toEqual([0, 201]);
  });

  it('refuses an empty split', () => {
    const { saver, base } = pairOutcomes({ conf: [], saverCorrect: [], baseCorrect: [] });
    expect(thrownCode(() => gridCurve(saver, base))).toBe(CascadeErrorCode.EmptySplit);
  });
});

describe('exactCurveColumns', () => {
  it("is exactCurve's points as columns, in its order, with its frontier", () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const { saver, base } = pairOutcomes(s, 3, 7);
        const { points } = exactCurve(saver, base);
        const columns = exactCurveColumns(saver, base);
        for (const f of fields) expect(columns[f]).toEqual(points.map((p) => p[f]));
        expect(columns.frontier.map((i) => points[i])).toEqual(paretoFrontier(points));
        expect(new Set(columns.frontier).size).toBe(columns.frontier.length);
      }),
      { numRuns: 200 },
    );
  });

  it('reads the METHOD §7 vector point by point', () => {
    const { saver, base } = pairOutcomes(
      {
        conf: [0.9512, 0.9034, 0.8521, 0.8077, 0.7043, 0.6055, 0.5031, 0.4012, 0.3024, 0.2066],
        saverCorrect: [1, 1, 1, 1, 0, 1, 0, 0, 1, 0],
        baseCorrect: [1, 1, 1, 0, 1, 1, 1, 1, 0, 1],
      },
      1,
      10,
    );
    const c = exactCurveColumns(saver, base);
    // Eleven exit sets (0..10 exits), τ descending from the top confidence to 0.
    expect(c.exits).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(c.correct).toEqual([8, 8, 8, 8, 9, 8, 8, 7, 6, 7, 6]);
    expect(c.threshold[0]).toBe(Math.fround(0.9512));
    expect(c.threshold[10]).toBe(0);
    // By cost: 10 exits (6 right), 9 (7), 8 (6: dropped), 7 (7: dropped), 6 (8), 5 (8: dropped),
    // 4 (9), and nothing dearer is more accurate.
    expect(c.frontier).toEqual([10, 9, 6, 4]);
  });
});
