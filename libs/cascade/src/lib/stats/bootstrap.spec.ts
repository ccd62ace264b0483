import fc from 'fast-check';
import type { SampleArrays } from '../../testing/arbitraries';
import { samplesArb, pairOutcomes, alwaysRightBase } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { bootstrapAtThreshold, compareSavers } from './bootstrap';
import { quantile, randomIndex, seededRandom } from './random';
import { thrownCode } from '../../testing/thrown-code';

const pairOf = (s: SampleArrays) => pairOutcomes(s, 2, 10);

describe('bootstrapAtThreshold', () => {
  it('equals a plain bootstrap that recomputes both statistics from drawn samples', () => {
    fc.assert(
      fc.property(samplesArb(), fc.integer({ min: 0, max: 1000 }), fc.integer(), (s, k, seed) => {
        const { saver, base } = pairOf(s);
        const threshold = k / 1000;
        const replicates = 50;
        const result = bootstrapAtThreshold(
          { saver, base, threshold },
          { replicates, seed, level: 0.9 },
        );
        const n = s.conf.length;
        const next = seededRandom(seed);
        const drops: number[] = [];
        const savings: number[] = [];
        for (let r = 0; r < replicates; r++) {
          let exits = 0;
          let correct = 0;
          let baseCorrect = 0;
          for (let j = 0; j < n; j++) {
            const i = randomIndex(next, n);
            const exit = Math.fround(s.conf[i]) > threshold;
            exits += exit ? 1 : 0;
            correct += exit ? s.saverCorrect[i] : s.baseCorrect[i];
            baseCorrect += s.baseCorrect[i];
          }
          drops.push((100 * (baseCorrect - correct)) / n);
          savings.push(exits / n - 0.2);
        }
        drops.sort((a, b) => a - b);
        savings.sort((a, b) => a - b);
        expect(result.accuracyDrop.low).toBeCloseTo(quantile(drops, 0.05), 9);
        expect(result.accuracyDrop.high).toBeCloseTo(quantile(drops, 0.95), 9);
        expect(result.computeSaving.low).toBeCloseTo(quantile(savings, 0.05), 9);
        expect(result.computeSaving.high).toBeCloseTo(quantile(savings, 0.95), 9);
      }),
      { numRuns: 60 },
    );
  });

  it('is reproducible for a seed and gives the plain estimate', () => {
    const s = { conf: [0.9, 0.8, 0.7, 0.2], saverCorrect: [1, 0, 1, 0], baseCorrect: [1, 1, 1, 0] };
    const pair = { ...pairOf(s), threshold: 0.5 };
    const a = bootstrapAtThreshold(pair, { seed: 7 });
    expect(bootstrapAtThreshold(pair, { seed: 7 })).toEqual(a);
    expect(bootstrapAtThreshold(pair, { seed: 8 })).not.toEqual(a);
    // 3 exit (2 right) + base on the 4th (wrong) = 2 correct vs base 3: 25 points.
    expect(a.accuracyDrop.estimate).toBe(25);
    expect(a.computeSaving.estimate).toBeCloseTo(0.75 - 0.2, 12);
    expect(a.accuracyDrop.low).toBeLessThanOrEqual(a.accuracyDrop.high);
  });

  it('has zero width when every sample is alike', () => {
    const s = { conf: [0.9, 0.9, 0.9], saverCorrect: [1, 1, 1], baseCorrect: [1, 1, 1] };
    const r = bootstrapAtThreshold({ ...pairOf(s), threshold: 0.5 });
    expect(r.accuracyDrop).toEqual({ estimate: 0, low: 0, high: 0 });
  });

  it('rejects bad settings with the fix in the message', () => {
    const pair = {
      ...pairOf({ conf: [0.5], saverCorrect: [1], baseCorrect: [1] }),
      threshold: 0.5,
    };
    expect(() => bootstrapAtThreshold(pair, { level: 1 })).toThrow(/strictly between 0 and 1/);
    expect(thrownCode(() => bootstrapAtThreshold(pair, { replicates: 1 }))).toBe(
      CascadeErrorCode.InvalidArgument,
    );
    expect(thrownCode(() => bootstrapAtThreshold({ ...pair, threshold: -1 }))).toBe(
      CascadeErrorCode.InvalidThreshold,
    );
  });
});

describe('compareSavers', () => {
  it('gives exactly zero differences for a saver against itself', () => {
    fc.assert(
      fc.property(samplesArb(), (s) => {
        const pair = { ...pairOf(s), threshold: 0.5 };
        const r = compareSavers(pair, pair, { replicates: 20 });
        expect(r.accuracyDropDifference).toEqual({ estimate: 0, low: 0, high: 0 });
        expect(r.computeSavingDifference).toEqual({ estimate: 0, low: 0, high: 0 });
      }),
      { numRuns: 30 },
    );
  });

  it('separates a clearly better saver from a worse one', () => {
    const n = 400;
    const keys = Array.from({ length: n }, (_, i) => `k${i}`);
    const base = alwaysRightBase(keys);
    // Good: confident and right on 80% of samples. Poor: confident on 30%.
    const good = makeOutcomes(
      'G',
      2,
      keys.map((_, i) => (i % 10 < 8 ? 0.95 : 0.1)),
      keys.map(() => 1),
      keys,
    );
    const poor = makeOutcomes(
      'P',
      2,
      keys.map((_, i) => (i % 10 < 3 ? 0.95 : 0.1)),
      keys.map(() => 1),
      keys,
    );
    const r = compareSavers(
      { saver: good, base, threshold: 0.9 },
      { saver: poor, base, threshold: 0.9 },
    );
    expect(r.computeSavingDifference.estimate).toBeCloseTo(0.5, 12);
    expect(r.computeSavingDifference.low).toBeGreaterThan(0);
    expect(r.accuracyDropDifference).toEqual({ estimate: 0, low: 0, high: 0 });
  });
});
