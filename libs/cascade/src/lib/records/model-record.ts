import { CascadeError, CascadeErrorCode } from '../errors';

/** One shard that contributed samples to a record, in sample order. */
export interface ShardRef {
  readonly id: string;
  /** The shard object's ETag (or content hash) when the record was computed. */
  readonly etag: string;
  readonly count: number;
}

export interface ModelIdentity {
  /** sha256 of the model file: records are keyed by content, not by name. */
  readonly sha256: string;
  readonly name: string;
}

/** Free-form, JSON-serialisable facts about how a record was made (preprocessing, provider...). */
export type Provenance = Readonly<Record<string, string | number | boolean | null>>;

/**
 * One model's outputs over one ordered set of samples (a shard, or a split made of shards).
 * Arrays are struct-of-arrays: sample i owns `labels[i]` and `topClasses/topProbs[i*k .. i*k+k)`,
 * best class first. Probabilities are float32 softmax outputs, as METHOD §2 requires.
 */
export interface ModelRecord {
  readonly model: ModelIdentity;
  readonly dataset: string;
  readonly shards: readonly ShardRef[];
  readonly numClasses: number;
  readonly k: number;
  /** MACs for one sample at the model's input size, batch 1 (METHOD §1). */
  readonly macsPerSample: number;
  readonly keys: readonly string[];
  readonly labels: Int32Array;
  readonly topClasses: Int32Array;
  readonly topProbs: Float32Array;
  readonly provenance: Provenance;
}

export function sampleCount(record: ModelRecord): number {
  return record.keys.length;
}

/** Number of samples whose top-1 class equals the label. */
export function correctCount(record: ModelRecord): number {
  const { labels, topClasses, k } = record;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (topClasses[i * k] === labels[i]) correct++;
  return correct;
}

function invalid(record: ModelRecord, what: string): CascadeError {
  return new CascadeError(
    CascadeErrorCode.RecordInvalid,
    `Record of model "${record.model.name}" on "${record.dataset}" is invalid: ${what}. ` +
      'Recompute the record with a fixed worker; it cannot be analysed as it is.',
  );
}

/**
 * Checks every structural and numeric promise a record makes, so analysis can trust it.
 * Throws {@link CascadeError} naming the first problem and its sample key.
 */
export function validateRecord(record: ModelRecord): void {
  const { keys, labels, topClasses, topProbs, k, numClasses } = record;
  const n = keys.length;
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw invalid(record, `numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(k) || k < 1 || k > numClasses)
    throw invalid(record, `k must be an integer in [1, numClasses=${numClasses}], got ${k}`);
  if (!Number.isSafeInteger(record.macsPerSample) || record.macsPerSample <= 0)
    throw invalid(record, `macsPerSample must be a positive integer, got ${record.macsPerSample}`);
  if (labels.length !== n || topClasses.length !== n * k || topProbs.length !== n * k)
    throw invalid(
      record,
      `array lengths disagree (keys ${n}, labels ${labels.length}, ` +
        `topClasses ${topClasses.length}, topProbs ${topProbs.length}, k ${k})`,
    );
  const shardTotal = record.shards.reduce((sum, s) => sum + s.count, 0);
  if (shardTotal !== n)
    throw invalid(record, `shard counts add up to ${shardTotal} but there are ${n} samples`);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    if (typeof key !== 'string' || key.length === 0)
      throw invalid(record, `sample ${i} has an empty key`);
    if (seen.has(key))
      throw new CascadeError(
        CascadeErrorCode.DuplicateSampleKey,
        `Sample key "${key}" appears twice in the record of model "${record.model.name}" on ` +
          `"${record.dataset}". Give every sample in a dataset a unique key.`,
      );
    seen.add(key);
    const label = labels[i];
    if (label < 0 || label >= numClasses)
      throw new CascadeError(
        CascadeErrorCode.LabelOutOfRange,
        `Sample "${key}" has label ${label}, outside the model's ${numClasses} classes ` +
          `[0, ${numClasses - 1}]. Fix the .cls file of that sample or register the dataset ` +
          'against a model with matching classes.',
      );
    let previous = Infinity;
    for (let j = 0; j < k; j++) {
      const cls = topClasses[i * k + j];
      const p = topProbs[i * k + j];
      if (cls < 0 || cls >= numClasses)
        throw invalid(
          record,
          `sample "${key}" has top-${j + 1} class ${cls} outside [0, ${numClasses - 1}]`,
        );
      if (!(p >= 0 && p <= 1))
        throw invalid(record, `sample "${key}" has top-${j + 1} probability ${p} outside [0, 1]`);
      if (p > previous)
        throw invalid(record, `sample "${key}" has top-k probabilities that are not descending`);
      previous = p;
    }
  }
}
