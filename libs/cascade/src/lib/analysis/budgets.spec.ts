import fc from 'fast-check';
import { plainPoint, samplesArb, pairOutcomes } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { buildPairGrid } from '../outcomes/pair-grid';
import { chooseBudgetIndex, readBudgets } from './budgets';
import { thrownCode } from '../../testing/thrown-code';

/** METHOD §5 as written, on exact rationals: feasible iff correct ≥ baseCorrect − d·N/100. */
function plainChoice(
  s: { conf: number[]; saverCorrect: number[]; baseCorrect: number[] },
  microPoints: number,
) {
  const n = s.conf.length;
  const baseCorrect = s.baseCorrect.reduce((a, b) => a + b, 0);
  const feasible: { k: number; exits: number }[] = [];
  for (let k = 0; k <= 1000; k++) {
    const p = plainPoint(s, k / 1000);
    // correct ≥ baseCorrect − (micro/10⁶)·n/100  ⇔  10⁸·correct ≥ 10⁸·baseCorrect − micro·n
    if (
      BigInt(p.correct) * 100_000_000n >=
      BigInt(baseCorrect) * 100_000_000n - BigInt(microPoints) * BigInt(n)
    )
      feasible.push({ k, exits: p.exits });
  }
  feasible.sort((a, b) => b.exits - a.exits || b.k - a.k);
  return feasible[0].k;
}

const pair = (s: { conf: number[]; saverCorrect: number[]; baseCorrect: number[] }) => {
  const { saver, base } = pairOutcomes(s);
  return buildPairGrid(saver, base);
};

describe('budgets', () => {
  it('pick the same threshold as a plain search over all feasible grid points', () => {
    fc.assert(
      fc.property(samplesArb(), fc.integer({ min: 0, max: 100_000_000 }), (s, micro) => {
        expect(chooseBudgetIndex(pair(s), micro / 1_000_000)).toBe(plainChoice(s, micro));
      }),
      { numRuns: 300 },
    );
  });

  it('decide exact boundaries on counts: 0.5 points of 200 samples is exactly one sample', () => {
    // Base right on all 200; the saver is confident and wrong on one sample only.
    const conf = Array.from({ length: 200 }, (_, i) => (i === 0 ? 0.9 : 0.25));
    const s = {
      conf,
      saverCorrect: conf.map((_, i) => (i === 0 ? 0 : 1)),
      baseCorrect: conf.map(() => 1),
    };
    const grid = pair(s);
    // Letting sample 0 exit costs exactly 0.5 points: allowed at 0.5 (all 200 exit below 0.25),
    // not at 0.49 (then nothing may exit above 0.25 either, so τ = 1).
    expect(chooseBudgetIndex(grid, 0.5)).toBe(249);
    expect(chooseBudgetIndex(grid, 0.49)).toBe(1000);
    // The floating-point form of the same test gets this boundary wrong.
    expect(100 * (200 / 200 - 199 / 200) <= 0.5).toBe(false);
  });

  it('report the evaluation split at the selection threshold, and the oracle on evaluation', () => {
    const selection = pair({
      conf: [0.9, 0.8, 0.2],
      saverCorrect: [1, 1, 0],
      baseCorrect: [1, 1, 1],
    });
    const evaluation = pair({
      conf: [0.95, 0.85, 0.7],
      saverCorrect: [1, 0, 1],
      baseCorrect: [1, 1, 1],
    });
    const [reading] = readBudgets(selection, evaluation, [0]);
    // float32(0.8) is just above 0.8, so τ = 0.800 still lets it exit.
    expect(reading.threshold).toBe(0.8);
    expect(reading.selection).toMatchObject({ exits: 2, correct: 3 });
    expect(reading.evaluation).toMatchObject({ threshold: 0.8, exits: 2, correct: 2 });
    expect(reading.evaluation.accuracyDrop).toBeCloseTo(100 / 3, 12);
    expect(reading.oracle).toMatchObject({ exits: 1, correct: 3, threshold: 0.949 });
  });

  it('fall back to τ = 1 (nothing exits) when no threshold fits', () => {
    const grid = pair({ conf: [0.9], saverCorrect: [0], baseCorrect: [1] });
    expect(chooseBudgetIndex(grid, 0)).toBe(1000);
  });

  it('reject budgets that are not points in [0, 100]', () => {
    const grid = pair({ conf: [0.9], saverCorrect: [0], baseCorrect: [1] });
    for (const bad of [-0.1, 101, Number.NaN, Infinity])
      expect(thrownCode(() => chooseBudgetIndex(grid, bad))).toBe(CascadeErrorCode.InvalidBudget);
  });
});
