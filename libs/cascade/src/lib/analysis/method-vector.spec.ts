// METHOD.md §7, value by value: the hand-checkable vector verified against the research code.
import { makeOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import { readBudgets } from './budgets';
import { exactCurve, exactPointAt } from './exact-curve';
import { gridPoint, sweepGrid } from './grid-sweep';
import { procedureA } from './procedure-a';
import { rankSavers } from './saver-ranking';

const conf = [0.9512, 0.9034, 0.8521, 0.8077, 0.7043, 0.6055, 0.5031, 0.4012, 0.3024, 0.2066];
const saverCorrect = [1, 1, 1, 1, 0, 1, 0, 0, 1, 0];
const baseCorrect = [1, 1, 1, 0, 1, 1, 1, 1, 0, 1];
const saver = makeOutcomes('S', 1, conf, saverCorrect);
const base = makeOutcomes(
  'B',
  10,
  conf.map(() => 0.5),
  baseCorrect,
  saver.keys,
);
const grid = buildPairGrid(saver, base);

describe('METHOD §7 test vector (N = 10, C_S = 1, C_B = 10)', () => {
  it('has base accuracy 0.8 and saver accuracy 0.6', () => {
    expect(grid.baseCorrect / grid.n).toBe(0.8);
    expect(grid.saverCorrect / grid.n).toBe(0.6);
  });

  it('Procedure A stops at τ = 0.503 with ΔC = −0.6', () => {
    const { match, matchSafe, stopped } = procedureA(grid);
    expect(stopped).toBe(true);
    expect(match.threshold).toBe(0.503);
    expect(match.exits).toBe(7);
    expect(match.exitAccuracy).toBe(5 / 7);
    expect(match.baseAccuracyOnExits).toBe(6 / 7);
    expect(match.exitRatio).toBe(0.7);
    expect(match.accuracy).toBe(0.7);
    expect(match.deltaC).toBeCloseTo(-0.6, 14);
    expect(matchSafe.threshold).toBe(0.504);
    expect(matchSafe.exits).toBe(6);
    expect(matchSafe.deltaC).toBeCloseTo(-0.5, 14);
  });

  it('from τ = 0.600 down to 0.504 six samples exit with both accuracies 5/6', () => {
    for (let k = 600; k >= 504; k--) {
      expect(grid.exits[k]).toBe(6);
      expect(grid.exitSaverCorrect[k]).toBe(5);
      expect(grid.exitBaseCorrect[k]).toBe(5);
    }
  });

  // τ → (R, acc/acc_B) as METHOD lists them.
  const listed: [number, number, number][] = [
    [0.0, 0.1, 0.75],
    [0.2066, 0.2, 0.875],
    [0.5, 0.4, 0.875],
    [0.65, 0.6, 1.0],
    [0.75, 0.7, 1.125],
    [0.9, 0.9, 1.0],
    [0.96, 1.1, 1.0],
    [1.0, 1.1, 1.0],
  ];
  const curve = exactCurve(saver, base);

  it.each(listed)('exact reading at τ = %p gives R = %p and acc/acc_B = %p', (tau, r, relAcc) => {
    const p = exactPointAt(curve, tau);
    expect(p.relativeCost).toBeCloseTo(r, 12);
    expect(p.accuracy / 0.8).toBeCloseTo(relAcc, 12);
  });

  it.each(listed.filter(([tau]) => Number.isInteger(Math.round(tau * 1e6) / 1000)))(
    'grid point at τ = %p agrees with the listed values',
    (tau, r, relAcc) => {
      const p = gridPoint(grid, Math.round(tau * 1000));
      expect(p.threshold).toBe(tau);
      expect(p.relativeCost).toBeCloseTo(r, 12);
      expect(p.accuracy / 0.8).toBeCloseTo(relAcc, 12);
    },
  );

  it('float32 0.2066 is not > 0.2066 but is > 0.206', () => {
    expect(exactPointAt(curve, 0.2066).exits).toBe(9);
    expect(grid.exits[206]).toBe(10);
    expect(grid.exits[207]).toBe(9);
  });

  it('τ = 1 exits nothing (base plus wasted saver) and τ = 0 exits everything', () => {
    const sweep = sweepGrid(grid);
    expect(sweep).toHaveLength(1001);
    expect(sweep[1000]).toMatchObject({ exits: 0, correct: 8, relativeCost: 1.1, deltaC: 0.1 });
    expect(sweep[0]).toMatchObject({ exits: 10, correct: 6, relativeCost: 0.1 });
  });

  it('budgets on the vector pick the most exits within the drop, then the largest τ', () => {
    const [zero, ten, twenty] = readBudgets(grid, grid, [0, 10, 20]);
    // 0 points: accuracy ≥ 0.8. Six exits (c > τ for τ < 0.6055) give 5 + 3 = 8 correct; seven
    // give 7. The largest grid τ with those six exits is 0.605.
    expect(zero.threshold).toBe(0.605);
    expect(zero.selection).toMatchObject({ exits: 6, correct: 8, accuracyDrop: 0 });
    // 10 points: accuracy ≥ 0.7. Nine exits (τ < 0.3024) give 6 + 1 = 7 correct; ten give 6.
    expect(ten.threshold).toBe(0.302);
    expect(ten.selection).toMatchObject({ exits: 9, correct: 7 });
    // 20 points: accuracy ≥ 0.6 → everything may exit (acc 0.6); largest τ with 10 exits is 0.206.
    expect(twenty.threshold).toBe(0.206);
    expect(twenty.selection).toMatchObject({ exits: 10, correct: 6 });
    expect(twenty.oracle).toEqual(twenty.evaluation);
  });

  it('ranks the saver as useful for the base', () => {
    const [ranked] = rankSavers(base, [saver]);
    expect(ranked).toMatchObject({ model: 'S', rank: 1, useful: true });
    expect(ranked.deltaC).toBeCloseTo(-0.6, 14);
  });
});
