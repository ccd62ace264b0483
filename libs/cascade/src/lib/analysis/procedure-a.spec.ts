import fc from 'fast-check';
import { plainProcedureA, samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { buildPairGrid } from '../outcomes/pair-grid';
import { procedureA } from './procedure-a';

const run = (conf: number[], saverCorrect: number[], baseCorrect: number[]) => {
  const { saver, base } = pairOutcomes({ conf, saverCorrect, baseCorrect });
  return procedureA(buildPairGrid(saver, base));
};

describe('procedureA', () => {
  it('keeps the same failing and safe rows as the plain threshold loop', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const result = run(s.conf, s.saverCorrect, s.baseCorrect);
        const plain = plainProcedureA(s);
        expect(result.match.k).toBe(plain.k);
        expect(result.matchSafe.k).toBe(plain.safeK);
        expect(result.match.threshold).toBe(plain.k / 1000);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps τ = 0.001 when no sample ever exits (all confidences 0)', () => {
    const r = run([0, 0, 0], [0, 0, 0], [1, 1, 1]);
    expect(r.stopped).toBe(false);
    expect(r.match).toMatchObject({
      threshold: 0.001,
      exits: 0,
      exitAccuracy: 0,
      baseAccuracyOnExits: 0,
    });
    expect(r.match.deltaC).toBeCloseTo(0.1, 14);
  });

  it('keeps τ = 0.001 when everything exits and the saver is never worse', () => {
    const r = run([1, 0.99, 0.5], [1, 1, 1], [1, 0, 1]);
    expect(r.stopped).toBe(false);
    expect(r.match).toMatchObject({ threshold: 0.001, exits: 3, exitRatio: 1 });
    expect(r.matchSafe).toEqual(r.match);
  });

  it('continues through ties between saver and base accuracy on E', () => {
    // Two samples exit above 0.6 with one correct each way: equal accuracies, scan continues.
    const r = run([0.9, 0.8, 0.25], [1, 0, 0], [0, 1, 1]);
    expect(r.stopped).toBe(true);
    expect(r.match.threshold).toBe(0.249);
    expect(r.matchSafe.threshold).toBe(0.25);
  });

  it('handles a single sample the saver gets wrong and the base right', () => {
    const r = run([0.7], [0], [1]);
    expect(r.match).toMatchObject({
      threshold: 0.699,
      exits: 1,
      exitAccuracy: 0,
      baseAccuracyOnExits: 1,
    });
    expect(r.matchSafe).toMatchObject({ threshold: 0.7, exits: 0 });
  });
});
