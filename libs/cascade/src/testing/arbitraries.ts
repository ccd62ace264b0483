// Shared generators and plain reference implementations for the property tests. Not part of
// the library build (tsconfig.lib.json excludes src/testing).
import fc from 'fast-check';
import type { ModelOutcomes } from '../lib/outcomes/model-outcomes';
import { makeOutcomes } from '../lib/outcomes/model-outcomes';
import type { ModelRecord } from '../lib/records/model-record';

/**
 * Confidences that hit the hard cases: exact grid values (k/1000 rounded to float32, which may
 * land just above or below k/1000), exact 0 and 1, and arbitrary float32 values, with repeats.
 */
export const confidenceArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map((k) => Math.fround(k / 1000)),
  fc.constantFrom(0, 1, Math.fround(0.2066), Math.fround(0.5)),
  fc.float({ min: 0, max: 1, noNaN: true }).map((v) => Math.fround(v)),
);

export interface SampleArrays {
  conf: number[];
  saverCorrect: number[];
  baseCorrect: number[];
}

export const samplesArb = (minLength = 1, maxLength = 60): fc.Arbitrary<SampleArrays> =>
  fc
    .array(
      fc.tuple(confidenceArb, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
      {
        minLength,
        maxLength,
      },
    )
    .map((rows) => ({
      conf: rows.map((r) => r[0]),
      saverCorrect: rows.map((r) => r[1]),
      baseCorrect: rows.map((r) => r[2]),
    }));

/** Saver cost strictly below base cost, as integers. */
export const costsArb = fc
  .tuple(fc.integer({ min: 1, max: 5_000_000 }), fc.integer({ min: 1, max: 5_000_000 }))
  .map(([a, b]) => ({ saverMacs: a, baseMacs: a + b }));

/** A valid record with random keys (some non-ASCII), labels and descending top-k rows. */
export const recordArb = (maxSamples = 40): fc.Arbitrary<ModelRecord> =>
  fc
    .record({
      numClasses: fc.integer({ min: 1, max: 12 }),
      kWanted: fc.integer({ min: 1, max: 5 }),
      n: fc.integer({ min: 0, max: maxSamples }),
      seed: fc.integer(),
      name: fc.string({ minLength: 1, maxLength: 12 }),
      macs: fc.integer({ min: 1, max: 2 ** 40 }),
    })
    .map(({ numClasses, kWanted, n, seed, name, macs }) => {
      const k = Math.min(kWanted, numClasses);
      let state = seed >>> 0;
      const rand = () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 32;
      };
      const keys = Array.from({ length: n }, (_, i) => `s-${i}-${i % 3 === 0 ? 'ü✓' : 'x'}`);
      const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * numClasses));
      const topClasses = new Int32Array(n * k);
      const topProbs = new Float32Array(n * k);
      for (let i = 0; i < n; i++) {
        const classes = Array.from({ length: numClasses }, (_, c) => c).sort(() => rand() - 0.5);
        const probs = Array.from({ length: k }, () => Math.fround(rand())).sort((a, b) => b - a);
        for (let j = 0; j < k; j++) {
          topClasses[i * k + j] = classes[j];
          topProbs[i * k + j] = probs[j];
        }
      }
      return {
        model: { sha256: 'ab'.repeat(32), name },
        dataset: 'fmnist-selection',
        shards: n === 0 ? [] : [{ id: 'shard-000000.tar', etag: '"etag-0"', count: n }],
        numClasses,
        k,
        macsPerSample: macs,
        keys,
        labels,
        topClasses,
        topProbs,
        provenance: { provider: 'cpu', inputSize: 28 },
      };
    });

/** The research code's way: rescan every sample for each threshold, float comparisons. */
export function plainPoint(
  s: SampleArrays,
  threshold: number,
): { exits: number; correct: number; exitSaverCorrect: number; exitBaseCorrect: number } {
  let exits = 0;
  let correct = 0;
  let exitSaverCorrect = 0;
  let exitBaseCorrect = 0;
  for (let i = 0; i < s.conf.length; i++) {
    if (Math.fround(s.conf[i]) > threshold) {
      exits++;
      correct += s.saverCorrect[i];
      exitSaverCorrect += s.saverCorrect[i];
      exitBaseCorrect += s.baseCorrect[i];
    } else {
      correct += s.baseCorrect[i];
    }
  }
  return { exits, correct, exitSaverCorrect, exitBaseCorrect };
}

/** Procedure A as METHOD §3 words it, with float accuracies. Returns the kept and safe k. */
export function plainProcedureA(s: SampleArrays): { k: number; safeK: number } {
  let previous = 1000;
  for (let k = 1000; k >= 1; k--) {
    const p = plainPoint(s, k / 1000);
    const eeAcc = p.exits === 0 ? 0 : p.exitSaverCorrect / p.exits;
    const tgtAcc = p.exits === 0 ? 0 : p.exitBaseCorrect / p.exits;
    if (eeAcc < tgtAcc) return { k, safeK: previous };
    previous = k;
  }
  return { k: 1, safeK: 1 };
}

/** Saver and base outcomes over the same keys from sample arrays (base confidence unused). */
export function pairOutcomes(
  s: SampleArrays,
  saverMacs = 1,
  baseMacs = 10,
): { saver: ModelOutcomes; base: ModelOutcomes } {
  const saver = makeOutcomes('S', saverMacs, s.conf, s.saverCorrect);
  const base = makeOutcomes('B', baseMacs, s.conf, s.baseCorrect, saver.keys);
  return { saver, base };
}

/** A base that is right on every sample, over the given keys. */
export function alwaysRightBase(keys: readonly string[], macs = 10): ModelOutcomes {
  return makeOutcomes(
    'B',
    macs,
    keys.map(() => 0.5),
    keys.map(() => 1),
    keys,
  );
}
