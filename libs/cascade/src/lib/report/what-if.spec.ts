import fc from 'fast-check';
import type { SampleArrays } from '../../testing/arbitraries';
import { plainPoint, samplesArb } from '../../testing/arbitraries';
import { readBudgets } from '../analysis/budgets';
import { exactCurve, exactPointAt } from '../analysis/exact-curve';
import { CascadeErrorCode } from '../errors';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import { thrownCode } from '../../testing/thrown-code';
import { splitPoint } from './split-point';
import { whatIf } from './what-if';

/** One pair (saver S at 2 MACs, base B at 9) on two splits of possibly different sizes. */
function pairOn(selection: SampleArrays, evaluation: SampleArrays) {
  const side = (s: SampleArrays) => {
    const saver = makeOutcomes('S', 2, s.conf, s.saverCorrect);
    const base = makeOutcomes('B', 9, s.conf, s.baseCorrect, saver.keys);
    return { saver, base };
  };
  return { selection: side(selection), evaluation: side(evaluation) };
}

/** METHOD §5 by rescanning every grid threshold: most exits within the budget, then largest τ. */
function plainBudgetThreshold(s: SampleArrays, drop: number): number {
  const n = s.conf.length;
  const baseCorrect = s.baseCorrect.reduce((a, b) => a + b, 0);
  let best = { k: 1000, exits: -1 };
  for (let k = 1000; k >= 0; k--) {
    const p = plainPoint(s, k / 1000);
    // correct ≥ baseCorrect − d·n/100, in integers of 10⁻⁶ points.
    const feasible = 100_000_000 * (baseCorrect - p.correct) <= Math.round(drop * 1_000_000) * n;
    if (feasible && p.exits > best.exits) best = { k, exits: p.exits };
  }
  return best.k / 1000;
}

describe('whatIf', () => {
  it('at a threshold agrees with a brute-force count on both splits', () => {
    fc.assert(
      fc.property(
        samplesArb(),
        samplesArb(),
        fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.2066, 0.5)),
        (sel, ev, tau) => {
          const answer = whatIf(pairOn(sel, ev), { threshold: tau });
          expect(answer.threshold).toBe(tau);
          expect(answer.chosenOn).toBeUndefined();
          for (const [side, s] of [
            ['selection', sel],
            ['evaluation', ev],
          ] as const) {
            const p = plainPoint(s, tau);
            const n = s.conf.length;
            expect(answer[side]).toMatchObject({
              threshold: tau,
              exits: p.exits,
              correct: p.correct,
            });
            expect(answer[side].relativeCost).toBeCloseTo(
              (2 * n + 9 * (n - p.exits)) / (9 * n),
              12,
            );
            const pair = pairOn(sel, ev)[side];
            expect(answer[side]).toStrictEqual(
              splitPoint(exactPointAt(exactCurve(pair.saver, pair.base), tau)),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for a budget reads both splits at the threshold chosen on selection', () => {
    fc.assert(
      fc.property(
        samplesArb(),
        samplesArb(),
        fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(0, 0.01, 0.5, 1)),
        (sel, ev, drop) => {
          const pair = pairOn(sel, ev);
          const answer = whatIf(pair, { budget: drop });
          const [reading] = readBudgets(
            buildPairGrid(pair.selection.saver, pair.selection.base),
            buildPairGrid(pair.evaluation.saver, pair.evaluation.base),
            [drop],
          );
          expect(answer).toStrictEqual({
            threshold: reading.threshold,
            chosenOn: 'selection',
            selection: splitPoint(reading.selection),
            evaluation: splitPoint(reading.evaluation),
          });
          expect(answer.threshold).toBe(plainBudgetThreshold(sel, drop));
          const atIt = plainPoint(ev, answer.threshold);
          expect(answer.evaluation).toMatchObject({ exits: atIt.exits, correct: atIt.correct });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decides float32 edges as METHOD does: 0.2066 is not > 0.2066, nor 0.9 > 0.9', () => {
    const s = { conf: [0.2066, 0.9], saverCorrect: [1, 1], baseCorrect: [0, 0] };
    const pair = pairOn(s, s);
    expect(whatIf(pair, { threshold: 0.2066 }).selection.exits).toBe(1);
    expect(whatIf(pair, { threshold: 0.2065 }).selection.exits).toBe(2);
    // float32(0.9) = 0.89999997…
    expect(whatIf(pair, { threshold: 0.9 }).evaluation.exits).toBe(0);
    expect(whatIf(pair, { threshold: 0.8999 }).evaluation.exits).toBe(1);
  });

  it('refuses bad queries and mismatched pairs with the existing codes', () => {
    const s = { conf: [0.5], saverCorrect: [1], baseCorrect: [1] };
    const pair = pairOn(s, s);
    expect(thrownCode(() => whatIf(pair, { threshold: 1.5 }))).toBe(
      CascadeErrorCode.InvalidThreshold,
    );
    expect(thrownCode(() => whatIf(pair, { threshold: NaN }))).toBe(
      CascadeErrorCode.InvalidThreshold,
    );
    expect(thrownCode(() => whatIf(pair, { budget: -1 }))).toBe(CascadeErrorCode.InvalidBudget);
    expect(thrownCode(() => whatIf(pair, { budget: 0.5, threshold: 0.5 }))).toBe(
      CascadeErrorCode.InvalidArgument,
    );
    expect(thrownCode(() => whatIf(pair, {} as never))).toBe(CascadeErrorCode.InvalidArgument);
    // An undefined key is an absent one.
    const loose = { threshold: 0.4, budget: undefined } as unknown as { threshold: number };
    expect(whatIf(pair, loose).selection.exits).toBe(1);
    const other = {
      ...pair,
      evaluation: { ...pair.evaluation, saver: makeOutcomes('T', 2, [0.5], [1]) },
    };
    expect(() => whatIf(other, { threshold: 0.5 })).toThrow(/S→B and T→B/);
    const dear = { saver: pair.selection.base, base: pair.selection.saver };
    expect(
      thrownCode(() => whatIf({ selection: dear, evaluation: dear }, { threshold: 0.5 })),
    ).toBe(CascadeErrorCode.SaverNotCheaper);
    const empty = pairOn({ conf: [], saverCorrect: [], baseCorrect: [] }, s);
    expect(thrownCode(() => whatIf(empty, { threshold: 0.5 }))).toBe(CascadeErrorCode.EmptySplit);
  });
});
