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

  /** One shard's realised cascade numbers within a cascade run. */
  cascadeShardKey(tenant: string, runId: string, shardId: string): string {
    return `${this.root}tenants/${tenant}/cascade-runs/${runId}/shards/${sha256Hex(shardId).slice(0, 32)}.json`;
  }
}
