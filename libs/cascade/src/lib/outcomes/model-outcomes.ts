import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelRecord } from '../records/model-record';
import { validateRecord } from '../records/model-record';
import { gridLevel } from './threshold-grid';

/**
 * What analysis needs of one model on one split, prepared once per (model, split) so that each
 * of the many pairs it joins costs one pass over plain typed arrays.
 */
export interface ModelOutcomes {
  readonly name: string;
  readonly macs: number;
  /** Sample keys; models aligned to one reference share this very array. */
  readonly keys: readonly string[];
  /** Top-1 softmax probability, float32 (METHOD §2). */
  readonly confidence: Float32Array;
  /** 1 where the top-1 class equals the label. */
  readonly correct: Uint8Array;
  readonly correctCount: number;
  /** `gridLevel(confidence[i])`: the sample exits at grid index k iff level > k. */
  readonly level: Uint16Array;
}

export function prepareOutcomes(record: ModelRecord): ModelOutcomes {
  validateRecord(record);
  const n = record.keys.length;
  const { k } = record;
  const confidence = new Float32Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    confidence[i] = record.topProbs[i * k];
    correct[i] = record.topClasses[i * k] === record.labels[i] ? 1 : 0;
  }
  return makeOutcomes(record.model.name, record.macsPerSample, confidence, correct, record.keys);
}

/**
 * Builds outcomes from plain arrays (tests, what-if tools). Keys default to the sample indices.
 */
export function makeOutcomes(
  name: string,
  macs: number,
  confidence: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  keys?: readonly string[],
): ModelOutcomes {
  const n = confidence.length;
  if (correct.length !== n || (keys && keys.length !== n))
    throw new CascadeError(
      CascadeErrorCode.InvalidArgument,
      `Outcomes of "${name}" have ${n} confidences but ${correct.length} correctness flags` +
        (keys ? ` and ${keys.length} keys` : '') +
        '. Give one of each per sample.',
    );
  checkMacs(name, macs);
  const conf = Float32Array.from(confidence);
  const flags = new Uint8Array(n);
  const level = new Uint16Array(n);
  let correctCount = 0;
  for (let i = 0; i < n; i++) {
    if (!(conf[i] >= 0 && conf[i] <= 1))
      throw new CascadeError(
        CascadeErrorCode.InvalidArgument,
        `Confidence ${conf[i]} of sample ${i} for "${name}" is outside [0, 1]. ` +
          'Pass top-1 softmax probabilities, not logits.',
      );
    flags[i] = correct[i] ? 1 : 0;
    correctCount += flags[i];
    level[i] = gridLevel(conf[i]);
  }
  return {
    name,
    macs,
    keys: keys ?? Array.from({ length: n }, (_, i) => String(i)),
    confidence: conf,
    correct: flags,
    correctCount,
    level,
  };
}

export function checkMacs(name: string, macs: number): void {
  if (!Number.isSafeInteger(macs) || macs <= 0)
    throw new CascadeError(
      CascadeErrorCode.InvalidCost,
      `MACs of "${name}" must be a positive integer, got ${macs}. Profile the model first.`,
    );
}
