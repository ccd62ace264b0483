import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelRecord } from './model-record';

function describeKeys(keys: string[]): string {
  const shown = keys
    .slice(0, 3)
    .map((k) => `"${k}"`)
    .join(', ');
  return keys.length > 3 ? `${shown} and ${keys.length - 3} more` : shown;
}

/**
 * Returns `other` reordered so that sample i has the same key as in `reference`. Both records
 * must hold exactly the same set of keys with the same labels: a missing, extra or relabelled
 * sample is an error, never a silent misalignment.
 */
export function alignRecords(reference: ModelRecord, other: ModelRecord): ModelRecord {
  const n = reference.keys.length;
  const sameOrder =
    other.keys.length === n && reference.keys.every((key, i) => other.keys[i] === key);
  let order: Int32Array | undefined;
  if (!sameOrder) {
    const position = new Map<string, number>();
    other.keys.forEach((key, i) => position.set(key, i));
    order = new Int32Array(n);
    const missing: string[] = [];
    reference.keys.forEach((key, i) => {
      const j = position.get(key);
      if (j === undefined) missing.push(key);
      else order![i] = j;
    });
    const referenceKeys = new Set(reference.keys);
    const extra = other.keys.filter((key) => !referenceKeys.has(key));
    if (missing.length > 0 || extra.length > 0 || other.keys.length !== n)
      throw new CascadeError(
        CascadeErrorCode.AlignMismatch,
        `Records of "${reference.model.name}" and "${other.model.name}" on "${reference.dataset}" ` +
          `hold different samples (missing from "${other.model.name}": ${missing.length ? describeKeys(missing) : 'none'}; ` +
          `extra: ${extra.length ? describeKeys(extra) : 'none'}). ` +
          'Compute both models over the same shards before pairing them.',
      );
  }
  const { k } = other;
  const labels = new Int32Array(n);
  const topClasses = new Int32Array(n * k);
  const topProbs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const j = order ? order[i] : i;
    labels[i] = other.labels[j];
    if (labels[i] !== reference.labels[i])
      throw new CascadeError(
        CascadeErrorCode.AlignMismatch,
        `Sample "${reference.keys[i]}" has label ${reference.labels[i]} in the record of ` +
          `"${reference.model.name}" but ${labels[i]} in that of "${other.model.name}". ` +
          'The records come from different versions of the dataset: recompute the stale one.',
      );
    topClasses.set(other.topClasses.subarray(j * k, j * k + k), i * k);
    topProbs.set(other.topProbs.subarray(j * k, j * k + k), i * k);
  }
  // Sharing the reference's keys array lets pair analysis see alignment with one identity check.
  return { ...other, keys: reference.keys, labels, topClasses, topProbs };
}
