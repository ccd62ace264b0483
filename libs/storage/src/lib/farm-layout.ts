import { createHash } from 'node:crypto';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** What decides a record's content: the model file, how pixels became a tensor, the shard bytes. */
export interface RecordContent {
  readonly modelSha256: string;
  /** canonicalPreprocess(...) of the resolved preprocessing. */
  readonly preprocess: string;
  /** The shard object's ETag when the dataset was registered. */
  readonly shardEtag: string;
}

/**
 * The S3 key layout, in one place. Everything lives under one root prefix; user documents sit
 * below their tenant, while records are shared content: the same model bytes over the same shard
 * bytes with the same preprocessing give the same record, whoever asks.
 */
export class FarmLayout {
  readonly root: string;

  constructor(prefix: string) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.root = trimmed ? `${trimmed}/` : '';
  }

  /**
   * `records/v1/<model sha256>/<preprocess digest>/<shard digest>.tsrec` — derived only from the
   * content tuple, so a retried or duplicated job overwrites the same object with the same bytes.
   */
  recordKey(content: RecordContent): string {
    const preprocess = sha256Hex(content.preprocess).slice(0, 16);
    const shard = sha256Hex(content.shardEtag).slice(0, 32);
    return `${this.root}records/v1/${content.modelSha256}/${preprocess}/${shard}.tsrec`;
  }

  /** The folder holding one model file's records under one preprocessing, over every shard. */
  recordFolder(modelSha256: string, preprocess: string): string {
    const key = this.recordKey({ modelSha256, preprocess, shardEtag: '' });
    return key.slice(0, key.lastIndexOf('/') + 1);
  }

  /** Below this, one folder per registered model of the tenant. */
  modelsPrefix(tenant: string): string {
    return `${this.root}tenants/${tenant}/models/`;
  }

  /** A registered model's document (name, object, sha256, preprocessing). */
  modelDocumentKey(tenant: string, model: string): string {
    return `${this.modelsPrefix(tenant)}${model}/model.json`;
  }

  /** Below this, one folder per registered dataset of the tenant. */
  datasetsPrefix(tenant: string): string {
    return `${this.root}tenants/${tenant}/datasets/`;
  }

  /** A registered dataset's document: its shards pinned to their ETags. */
  datasetDocumentKey(tenant: string, dataset: string): string {
    return `${this.datasetsPrefix(tenant)}${dataset}/dataset.json`;
  }

  /** Where a presigned upload puts a model registered without a URI. */
  modelUploadKey(tenant: string, model: string): string {
    return `${this.root}tenants/${tenant}/uploads/models/${model}.onnx`;
  }

  /** Where the profile job writes a model's profile (or why it is invalid). */
  modelProfileKey(tenant: string, model: string): string {
    return `${this.modelsPrefix(tenant)}${model}/profile.json`;
  }

  /** Below this, one folder per search of the tenant. */
  searchesPrefix(tenant: string): string {
    return `${this.root}tenants/${tenant}/searches/`;
  }

  /** A search's immutable spec (`search.json`), its end status and its results. */
  searchKey(tenant: string, searchId: string, file: 'search' | 'status' | 'results'): string {
    return `${this.searchesPrefix(tenant)}${searchId}/${file}.json`;
  }

  /**
   * One empty marker per live search, across tenants: what an API resumes at start after Redis
   * was lost (listing every tenant's searches would grow with history).
   */
  liveSearchesPrefix(): string {
    return `${this.root}live-searches/`;
  }

  liveSearchKey(tenant: string, searchId: string): string {
    return `${this.liveSearchesPrefix()}${tenant}/${searchId}`;
  }

  /** Below this, one folder per cascade run of the tenant. */
  cascadeRunsPrefix(tenant: string): string {
    return `${this.root}tenants/${tenant}/cascade-runs/`;
  }

  /** A cascade run's spec (`run.json`) and its combined result. */
  cascadeRunKey(tenant: string, runId: string, file: 'run' | 'result'): string {
    return `${this.cascadeRunsPrefix(tenant)}${runId}/${file}.json`;
  }

  /** Below this, the run's per-shard documents. */
  cascadeShardsPrefix(tenant: string, runId: string): string {
    return `${this.cascadeRunsPrefix(tenant)}${runId}/shards/`;
  }

  /** One shard's realised cascade numbers within a cascade run. */
  cascadeShardKey(tenant: string, runId: string, shardId: string): string {
    return `${this.cascadeShardsPrefix(tenant, runId)}${sha256Hex(shardId).slice(0, 32)}.json`;
  }
}

/**
 * The id of the records job for one shard and a set of model files: derived from content only, so
 * searches that need the same missing work at the same time share one job instead of racing.
 */
export function recordsJobId(
  shardEtag: string,
  models: readonly { readonly sha256: string; readonly preprocess: string }[],
): string {
  const parts = models.map((m) => `${m.sha256}/${m.preprocess}`).sort();
  return `records.${sha256Hex([shardEtag, ...parts].join('\n')).slice(0, 40)}`;
}
