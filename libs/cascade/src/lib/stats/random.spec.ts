import fc from 'fast-check';
import { randomIndex, resampledHistograms, seededRandom } from './random';

describe('seededRandom', () => {
  it('draws the sequence it always drew (pinned before the state moved to an Int32Array)', () => {
    const first = (seed: number, count: number) => {
      const next = seededRandom(seed);
      return Array.from({ length: count }, () => next());
    };
    expect(first(1, 5)).toEqual([2442144158, 3238099751, 3819917871, 2104621829, 2021136066]);
    expect(first(2 ** 31 + 3, 3)).toEqual([1646855948, 1393066457, 2620304569]);
  });
});

describe('resampledHistograms', () => {
  it('counts exactly the draws randomIndex(seededRandom(seed), n) makes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (values, replicates, seed) => {
          const categories = Uint8Array.from(values);
          const n = categories.length;
          const next = seededRandom(seed);
          const expected = Array.from({ length: replicates }, () => {
            const counts = new Int32Array(8);
            for (let i = 0; i < n; i++) counts[categories[randomIndex(next, n)]]++;
            return counts;
          });
          expect(resampledHistograms(categories, 8, replicates, seed)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
