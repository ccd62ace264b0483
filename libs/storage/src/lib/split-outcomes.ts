import {
  alignRecords,
  decodeRecord,
  mergeShardRecords,
  prepareOutcomes,
  type ModelOutcomes,
  type ModelRecord,
} from '@tinysaver/cascade';
import type { FarmLayout } from './farm-layout';

/** A model file as its records are keyed: content, preprocessing, and the name to report. */
export interface RecordSource {
  readonly name: string;
  readonly sha256: string;
  /** canonicalPreprocess(...) of the resolved preprocessing. */
  readonly preprocess: string;
  readonly macs: number;
}

/** A split: a dataset's shards in order, each pinned to the ETag its records are keyed by. */
export interface SplitSource {
  readonly name: string;
  readonly shards: readonly { readonly id: string; readonly etag: string }[];
}

export type ReadObject = (key: string) => Promise<Uint8Array>;

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * One model's record over a whole split: its shard records, fetched by content key and merged in
 * shard order. The name and MACs are the caller's (records are shared across tenants, so the name
 * in a record's header is whichever job computed it first).
 */
export async function loadSplitRecord(
  read: ReadObject,
  layout: FarmLayout,
  model: RecordSource,
  split: SplitSource,
): Promise<ModelRecord> {
  const shards = await mapLimit(split.shards, 8, async (shard) => {
    const key = layout.recordKey({
      modelSha256: model.sha256,
      preprocess: model.preprocess,
      shardEtag: shard.etag,
    });
    return decodeRecord(await read(key), { modelSha256: model.sha256 });
  });
  const merged = mergeShardRecords(shards, split.name);
  return { ...merged, model: { sha256: model.sha256, name: model.name } };
}

/**
 * Every model's outcomes on one split, aligned to the first model's sample order so that pairs
 * can be formed without further checks. A model whose samples or labels differ is an error.
 */
export async function loadSplitOutcomes(
  read: ReadObject,
  layout: FarmLayout,
  models: readonly RecordSource[],
  split: SplitSource,
): Promise<Map<string, ModelOutcomes>> {
  const records = await mapLimit(models, 4, (model) => loadSplitRecord(read, layout, model, split));
  const reference = records[0];
  const outcomes = new Map<string, ModelOutcomes>();
  records.forEach((record, i) => {
    const aligned = i === 0 ? record : alignRecords(reference, record);
    outcomes.set(models[i].name, prepareOutcomes({ ...aligned, macsPerSample: models[i].macs }));
  });
  return outcomes;
}
