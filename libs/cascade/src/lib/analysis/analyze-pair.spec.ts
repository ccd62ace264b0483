import fc from 'fast-check';
import { pairOutcomes, samplesArb } from '../../testing/arbitraries';
import { thrownCode } from '../../testing/thrown-code';
import { CascadeErrorCode } from '../errors';
import { buildPairGrid } from '../outcomes/pair-grid';
import { analyzePair } from './analyze-pair';
import { readBudgets } from './budgets';
import { sweepGrid } from './grid-sweep';
import { paretoFrontier } from './pareto';
import { procedureA } from './procedure-a';

describe('analyzePair', () => {
  it('is Procedure A on selection, budgets across splits and both frontiers', () => {
    fc.assert(
      fc.property(samplesArb(), samplesArb(), (a, b) => {
        const sel = pairOutcomes(a, 3, 10);
        const ev = pairOutcomes(b, 3, 10);
        const result = analyzePair({ selection: sel, evaluation: ev }, [0.5, 2]);
        const selGrid = buildPairGrid(sel.saver, sel.base);
        const evGrid = buildPairGrid(ev.saver, ev.base);
        expect(result.selection).toEqual(procedureA(selGrid));
        expect(result.budgets).toEqual(readBudgets(selGrid, evGrid, [0.5, 2]));
        expect(result.frontier.selection).toEqual(paretoFrontier(sweepGrid(selGrid)));
        expect(result.frontier.evaluation).toEqual(paretoFrontier(sweepGrid(evGrid)));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a saver that is not strictly cheaper than its base, saying so', () => {
    const s = { conf: [0.9], saverCorrect: [1], baseCorrect: [1] };
    const equal = pairOutcomes(s, 10, 10);
    expect(thrownCode(() => analyzePair({ selection: equal, evaluation: equal }))).toBe(
      CascadeErrorCode.SaverNotCheaper,
    );
    const dearer = pairOutcomes(s, 11, 10);
    expect(() => analyzePair({ selection: dearer, evaluation: dearer })).toThrow(
      /must have strictly fewer MACs than its base/,
    );
  });
});
