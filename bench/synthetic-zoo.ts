// A deterministic synthetic zoo for benchmarks: M models over one split of N samples, costs
// spread over three orders of magnitude, accuracy rising with cost, confidence higher on samples
// a model gets right — the shape real records have, at any size, without running a model.
import type { ModelOutcomes, ModelRecord } from '@tinysaver/cascade';
import { makeOutcomes, seededRandom } from '@tinysaver/cascade';

export function syntheticZoo(models: number, samples: number, seed: number): ModelOutcomes[] {
  const next = seededRandom(seed);
  const uniform = () => next() / 4294967296;
  const keys = Array.from({ length: samples }, (_, i) => `val-${String(i).padStart(6, '0')}`);
  const difficulty = Float64Array.from({ length: samples }, () => uniform());
  return Array.from({ length: models }, (_, m) => {
    const skill = 0.55 + (0.4 * m) / Math.max(1, models - 1);
    const confidence = new Float32Array(samples);
    const correct = new Uint8Array(samples);
    for (let i = 0; i < samples; i++) {
      const right = uniform() < skill * (1.2 - 0.4 * difficulty[i]);
      correct[i] = right ? 1 : 0;
      // Right answers skew confident, wrong ones less so; a few saturate at exactly 1.0.
      const c = right ? 1 - 0.6 * uniform() ** 2 : 0.1 + 0.7 * uniform();
      confidence[i] = uniform() < 0.02 ? 1 : c;
    }
    const macs = Math.round(20_000 * 1000 ** (m / Math.max(1, models - 1)));
    return makeOutcomes(`model-${String(m).padStart(3, '0')}`, macs, confidence, correct, keys);
  });
}

/**
 * A record with the given outcomes: labels 0..9, the top-1 class right or wrong as the outcomes
 * say, the rest of the top-k spread below the top-1 probability.
 */
export function syntheticRecord(outcomes: ModelOutcomes, k: number): ModelRecord {
  const n = outcomes.confidence.length;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const topClasses = new Int32Array(n * k);
  const topProbs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const top = outcomes.correct[i] ? labels[i] : (labels[i] + 1) % 10;
    for (let j = 0; j < k; j++) {
      topClasses[i * k + j] = (top + j) % 10;
      const c = outcomes.confidence[i];
      topProbs[i * k + j] = j === 0 ? c : Math.fround(Math.min(c, 1 - c) / (j + 1));
    }
  }
  return {
    model: { sha256: '0'.repeat(64), name: outcomes.name },
    dataset: 'synthetic',
    shards: [{ id: 'synthetic-000000.tar', etag: '"synthetic"', count: n }],
    numClasses: 10,
    k,
    macsPerSample: outcomes.macs,
    keys: outcomes.keys,
    labels,
    topClasses,
    topProbs,
    provenance: { source: 'bench/synthetic-zoo.ts' },
  };
}
