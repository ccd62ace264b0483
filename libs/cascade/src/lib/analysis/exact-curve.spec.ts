import fc from 'fast-check';
import { plainPoint, samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { exactCurve, exactPointAt } from './exact-curve';
import { thrownCode } from '../../testing/thrown-code';

const build = (s: { conf: number[]; saverCorrect: number[]; baseCorrect: number[] }) => {
  const { saver, base } = pairOutcomes(s, 2, 9);
  return exactCurve(saver, base);
};

describe('exactCurve', () => {
  it('has one point per distinct exit set over thresholds {confidences, 0}', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const thresholds = [...new Set([0, ...s.conf.map((c) => Math.fround(c))])].sort(
          (a, b) => b - a,
        );
        const plain = thresholds.map((t) => ({ t, ...plainPoint(s, t) }));
        // Each exit set once, at the smallest threshold that gives it.
        const distinct = plain.filter(
          (p, i) => i === plain.length - 1 || p.exits !== plain[i + 1].exits,
        );
        const curve = build(s);
        expect(curve.points.map((p) => [p.threshold, p.exits, p.correct])).toEqual(
          distinct.map((p) => [p.t, p.exits, p.correct]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('reads any threshold like a plain rescan', () => {
    fc.assert(
      fc.property(
        samplesArb(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
        (s, taus) => {
          const curve = build(s);
          for (const tau of [...taus, ...s.conf, 0, 1]) {
            const p = plainPoint(s, tau);
            expect(exactPointAt(curve, tau)).toMatchObject({
              threshold: tau,
              exits: p.exits,
              correct: p.correct,
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects thresholds outside [0, 1]', () => {
    const curve = build({ conf: [0.5], saverCorrect: [1], baseCorrect: [1] });
    expect(thrownCode(() => exactPointAt(curve, 1.2))).toBe(CascadeErrorCode.InvalidThreshold);
  });

  it('collapses all-equal confidences into τ = c (nothing exits) and τ = 0', () => {
    const curve = build({ conf: [0.5, 0.5, 0.5], saverCorrect: [1, 1, 0], baseCorrect: [1, 1, 1] });
    expect(curve.points.map((p) => [p.threshold, p.exits])).toEqual([
      [0.5, 0],
      [0, 3],
    ]);
  });
});
