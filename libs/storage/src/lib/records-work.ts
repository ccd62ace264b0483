import { recordsJobId, type FarmLayout } from './farm-layout';

/** One shard's missing records: the records job (content-derived id) that would compute them. */
export interface MissingRecords<M, D, S> {
  readonly dataset: D;
  readonly shard: S;
  readonly models: M[];
  readonly jobId: string;
}

/**
 * Which (model, shard) records of `datasets` × `models` are not among the `present` keys, grouped
 * per shard as records jobs, and how many records are needed in all. `preprocessOf` gives a
 * model's canonical preprocessing (part of its record keys).
 */
export function findMissingRecords<
  M extends { readonly sha256: string },
  D extends { readonly shards: readonly { readonly etag: string }[] },
>(
  layout: FarmLayout,
  present: ReadonlySet<string>,
  models: readonly M[],
  preprocessOf: (model: M) => string,
  datasets: readonly D[],
): { needed: number; missing: MissingRecords<M, D, D['shards'][number]>[] } {
  let needed = 0;
  const missing: MissingRecords<M, D, D['shards'][number]>[] = [];
  for (const dataset of datasets)
    for (const shard of dataset.shards) {
      needed += models.length;
      const absent = models.filter(
        (m) =>
          !present.has(
            layout.recordKey({
              modelSha256: m.sha256,
              preprocess: preprocessOf(m),
              shardEtag: shard.etag,
            }),
          ),
      );
      if (absent.length)
        missing.push({
          dataset,
          shard,
          models: absent,
          jobId: recordsJobId(
            shard.etag,
            absent.map((m) => ({ sha256: m.sha256, preprocess: preprocessOf(m) })),
          ),
        });
    }
  return { needed, missing };
}

/** The record folders to list to learn which of these models' records exist. */
export function recordFolders<M extends { readonly sha256: string }>(
  layout: FarmLayout,
  models: readonly M[],
  preprocessOf: (model: M) => string,
): string[] {
  return [...new Set(models.map((m) => layout.recordFolder(m.sha256, preprocessOf(m))))];
}
