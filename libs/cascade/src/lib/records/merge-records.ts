import { CascadeError, CascadeErrorCode } from '../errors';
import type { ModelRecord } from './model-record';
import { validateRecord } from './model-record';

/**
 * Concatenates one model's shard records, in the order given, into the record of a split.
 * Counts are merged exactly (no averaging), so any subset of shards gives exact numbers.
 */
export function mergeShardRecords(
  records: readonly ModelRecord[],
  dataset: string = records[0]?.dataset ?? '',
): ModelRecord {
  if (records.length === 0)
    throw new CascadeError(
      CascadeErrorCode.EmptySplit,
      'No shard records to merge. Compute at least one shard of the split first.',
    );
  const first = records[0];
  for (const r of records) {
    const differs = (what: string, a: unknown, b: unknown) =>
      new CascadeError(
        CascadeErrorCode.MergeMismatch,
        `Cannot merge shard records with different ${what} (${String(a)} vs ${String(b)}). ` +
          'Merge only records of one model file over shards of one dataset.',
      );
    if (r.model.sha256 !== first.model.sha256)
      throw differs('models', first.model.sha256, r.model.sha256);
    if (r.k !== first.k) throw differs('top-k', first.k, r.k);
    if (r.numClasses !== first.numClasses)
      throw differs('class counts', first.numClasses, r.numClasses);
    if (r.macsPerSample !== first.macsPerSample)
      throw differs('MACs per sample', first.macsPerSample, r.macsPerSample);
  }
  const n = records.reduce((sum, r) => sum + r.keys.length, 0);
  const { k } = first;
  const labels = new Int32Array(n);
  const topClasses = new Int32Array(n * k);
  const topProbs = new Float32Array(n * k);
  const keys: string[] = [];
  let at = 0;
  for (const r of records) {
    labels.set(r.labels, at);
    topClasses.set(r.topClasses, at * k);
    topProbs.set(r.topProbs, at * k);
    for (const key of r.keys) keys.push(key);
    at += r.keys.length;
  }
  const merged: ModelRecord = {
    model: first.model,
    dataset,
    shards: records.flatMap((r) => r.shards),
    numClasses: first.numClasses,
    k,
    macsPerSample: first.macsPerSample,
    keys,
    labels,
    topClasses,
    topProbs,
    provenance: first.provenance,
  };
  // Catches a sample key present in two shards (a dataset packed twice, say).
  validateRecord(merged);
  return merged;
}
