import fc from 'fast-check';
import { thrownCode } from '../../testing/thrown-code';
import { softmaxTopK } from './softmax-top-k';

function run(logits: number[], n: number, classes: number, k: number) {
  const topClasses = new Int32Array(n * k);
  const topProbs = new Float32Array(n * k);
  softmaxTopK(Float32Array.from(logits), n, classes, k, { topClasses, topProbs, offset: 0 });
  return { topClasses: [...topClasses], topProbs: [...topProbs] };
}

describe('softmaxTopK', () => {
  it('matches a hand-computed softmax', () => {
    const { topClasses, topProbs } = run([1, 3, 2], 1, 3, 2);
    const z = [1, 3, 2].map((x) => Math.exp(x));
    const sum = z[0] + z[1] + z[2];
    expect(topClasses).toEqual([1, 2]);
    expect(topProbs).toEqual([Math.fround(z[1] / sum), Math.fround(z[2] / sum)]);
  });

  it('does not overflow on large logits and keeps the lower class first on ties', () => {
    const { topClasses, topProbs } = run([1000, 1000, -1000], 1, 3, 3);
    expect(topClasses).toEqual([0, 1, 2]);
    expect(topProbs.slice(0, 2)).toEqual([0.5, 0.5]);
    expect(topProbs[2]).toBe(0);
  });

  it('writes at the sample offset with stride k', () => {
    const topClasses = new Int32Array(3 * 2).fill(-7);
    const topProbs = new Float32Array(3 * 2);
    softmaxTopK(Float32Array.from([0, 5, 9, 1]), 2, 2, 2, { topClasses, topProbs, offset: 1 });
    expect([...topClasses]).toEqual([-7, -7, 1, 0, 0, 1]);
  });

  it('agrees with a plain argmax/sort reference (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((classes) =>
          fc.tuple(
            fc.constant(classes),
            fc.array(fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }), {
              minLength: classes,
              maxLength: classes,
            }),
            fc.integer({ min: 1, max: classes }),
          ),
        ),
        ([classes, row, k]) => {
          const { topClasses, topProbs } = run(row, 1, classes, k);
          const f = Float32Array.from(row);
          const order = [...f.keys()].sort((a, b) => f[b] - f[a] || a - b).slice(0, k);
          expect(topClasses).toEqual(order);
          for (let t = 1; t < k; t++) expect(topProbs[t]).toBeLessThanOrEqual(topProbs[t - 1]);
          const max = Math.max(...f);
          const sum = [...f].reduce((s, z) => s + Math.exp(z - max), 0);
          expect(topProbs[0]).toBe(Math.fround(Math.exp(f[order[0]] - max) / sum));
        },
      ),
    );
  });

  it('names the sample when a logit is not finite, and checks the shape', () => {
    const args = [
      1,
      2,
      2,
      { topClasses: new Int32Array(2), topProbs: new Float32Array(2), offset: 0 },
    ] as const;
    expect(() => softmaxTopK(Float32Array.from([0, NaN]), ...args, () => 'img-7')).toThrow(
      /sample 'img-7', class 1/,
    );
    expect(thrownCode(() => softmaxTopK(Float32Array.from([0]), ...args))).toBe('logits-invalid');
  });
});
