import fc from 'fast-check';
import { confidenceArb } from '../../testing/arbitraries';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { buildPairGrid } from '../outcomes/pair-grid';
import { chainCost, greedyChain } from './chains';
import { gridPoint } from './grid-sweep';

/** n samples, a base and up to four savers of increasing cost, all over the same keys. */
const zooArb = fc
  .record({
    n: fc.integer({ min: 1, max: 40 }),
    savers: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(fc.tuple(confidenceArb, fc.integer({ min: 0, max: 1 })), {
      minLength: 5 * 40,
      maxLength: 5 * 40,
    }),
    macs: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ n, savers, seed, macs }) => {
    const take = (m: number) => seed.slice(m * 40, m * 40 + n);
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const base = makeOutcomes(
      'B',
      5000,
      take(0).map((r) => r[0]),
      take(0).map((r) => r[1]),
      keys,
    );
    const list: ModelOutcomes[] = [];
    for (let m = 1; m <= savers; m++)
      list.push(
        makeOutcomes(
          `S${m}`,
          macs[m - 1],
          take(m).map((r) => r[0]),
          take(m).map((r) => r[1]),
          keys,
        ),
      );
    return { base, savers: list };
  });

describe('chainCost', () => {
  it('equals a plain per-sample walk down the chain', () => {
    fc.assert(
      fc.property(
        zooArb,
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 4, maxLength: 4 }),
        (zoo, ks) => {
          const stages = zoo.savers.map((saver, i) => ({ saver, threshold: ks[i] / 1000 }));
          const n = zoo.base.confidence.length;
          let correct = 0;
          let macs = 0;
          for (let i = 0; i < n; i++) {
            let spent = 0;
            let answered = false;
            for (const { saver, threshold } of stages) {
              spent += saver.macs;
              if (saver.confidence[i] > threshold) {
                correct += saver.correct[i];
                answered = true;
                break;
              }
            }
            if (!answered) {
              spent += zoo.base.macs;
              correct += zoo.base.correct[i];
            }
            macs += spent;
          }
          const cost = chainCost(stages, zoo.base);
          expect(cost.correct).toBe(correct);
          expect(cost.expectedMacs).toBeCloseTo(macs / n, 9);
          expect(cost.relativeCost).toBeCloseTo(macs / n / zoo.base.macs, 12);
          expect(cost.answered.reduce((a, b) => a + b, 0)).toBe(n);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reduces to the single-saver cascade for one stage', () => {
    fc.assert(
      fc.property(zooArb, fc.integer({ min: 0, max: 1000 }), (zoo, k) => {
        const saver = zoo.savers[0];
        const cost = chainCost([{ saver, threshold: k / 1000 }], zoo.base);
        const point = gridPoint(buildPairGrid(saver, zoo.base), k);
        expect(cost.correct).toBe(point.correct);
        expect(cost.relativeCost).toBeCloseTo(point.relativeCost, 12);
      }),
    );
  });

  it('with no stage is the base alone', () => {
    const base = makeOutcomes('B', 10, [0.5, 0.5], [1, 0]);
    expect(chainCost([], base)).toMatchObject({ answered: [2], correct: 1, relativeCost: 1 });
  });
});

describe('greedyChain', () => {
  it("each exit's ΔC is exactly the change in relative cost its enabling causes", () => {
    fc.assert(
      fc.property(zooArb, (zoo) => {
        const result = greedyChain(zoo.savers, zoo.base, { alwaysEnableFirst: false });
        const enabledSoFar: { saver: ModelOutcomes; threshold: number }[] = [];
        result.exits.forEach((exit, i) => {
          if (exit.match === null) return;
          const before = chainCost(enabledSoFar, zoo.base).relativeCost;
          const withIt = chainCost(
            [...enabledSoFar, { saver: zoo.savers[i], threshold: exit.threshold }],
            zoo.base,
          );
          expect(withIt.relativeCost - before).toBeCloseTo(exit.deltaC, 9);
          expect(exit.enabled).toBe(exit.deltaC < 0);
          if (exit.enabled) enabledSoFar.push({ saver: zoo.savers[i], threshold: exit.threshold });
        });
        expect(result.stages.map((s) => s.saver.name)).toEqual(
          enabledSoFar.map((s) => s.saver.name),
        );
        expect(result.cost).toEqual(chainCost(enabledSoFar, zoo.base));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the first exit whatever its ΔC, as the research code does', () => {
    const keys = ['a', 'b'];
    const base = makeOutcomes('B', 10, [0.5, 0.5], [1, 1], keys);
    // Never confident: exits nothing, ΔC = s > 0.
    const useless = makeOutcomes('S1', 5, [0, 0], [0, 0], keys);
    expect(greedyChain([useless], base).exits[0]).toMatchObject({ enabled: true, deltaC: 0.5 });
    expect(greedyChain([useless], base, { alwaysEnableFirst: false }).exits[0].enabled).toBe(false);
  });

  it('skips exits that no sample reaches any more', () => {
    const keys = ['a'];
    const base = makeOutcomes('B', 10, [0.5], [1], keys);
    const sure = makeOutcomes('S1', 1, [0.9], [1], keys);
    const next = makeOutcomes('S2', 2, [0.9], [1], keys);
    const { exits, stages } = greedyChain([sure, next], base);
    expect(exits[1]).toMatchObject({ enabled: false, match: null });
    expect(stages).toHaveLength(1);
  });
});
