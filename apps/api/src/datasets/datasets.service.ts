import { Inject, Injectable } from '@nestjs/common';
import { FarmLayout, formatS3Uri } from '@tinysaver/storage';
import { parseDatasetManifest, WebDatasetError, type DatasetManifest } from '@tinysaver/webdataset';
import { badRequest, conflict, notFound, unlessNotFound } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { DocumentStore } from '../storage/document-store';
import { insideFarm } from '../storage/user-uri';
import type { DatasetDocument, DatasetShard, RegisterDatasetBody } from './dataset-document';

const SHARD = /\.tar(\.gz)?$/;
const MANIFEST = 'manifest.json';

/**
 * Registers datasets: lists the shards under a prefix, checks them against the prefix's
 * manifest.json when there is one, and pins each to its ETag in `dataset.json`.
 */
@Injectable()
export class DatasetsService {
  private readonly layout: FarmLayout;

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    private readonly store: DocumentStore,
  ) {
    this.layout = new FarmLayout(config.s3.prefix);
  }

  async register(tenant: string, body: RegisterDatasetBody): Promise<DatasetDocument> {
    const location = insideFarm(body.uri, this.config.s3.bucket, this.config.s3.prefix);
    const prefix = location.key.endsWith('/') ? location.key : `${location.key}/`;
    const docKey = this.layout.datasetDocumentKey(tenant, body.name);
    if (await this.store.getJson<DatasetDocument>(docKey))
      throw conflict(
        'dataset-exists',
        `A dataset named '${body.name}' is already registered; choose another name.`,
      );
    const objects = await this.store.listObjects(location.bucket, prefix);
    // Only shards directly under the prefix: sub-folders are other datasets.
    const shards: DatasetShard[] = objects
      .filter((o) => SHARD.test(o.key) && !o.key.slice(prefix.length).includes('/'))
      .map((o) => ({ id: o.key.slice(prefix.length), key: o.key, etag: o.etag, bytes: o.bytes }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const where = formatS3Uri(location.bucket, prefix);
    if (shards.length === 0)
      throw badRequest(
        'no-shards',
        `No .tar or .tar.gz shards directly under ${where}; upload the shards there (tinysaver pack --to ${where}).`,
      );
    const empty = shards.find((s) => s.bytes === 0);
    if (empty)
      throw badRequest(
        'shard-empty',
        `Shard ${formatS3Uri(location.bucket, empty.key)} is empty; upload it again.`,
      );

    const manifest = await this.manifest(location.bucket, prefix);
    const numClasses = manifest ? manifest.classes.length : body.numClasses;
    if (numClasses === undefined)
      throw badRequest(
        'classes-unknown',
        `${where} has no ${MANIFEST}; give numClasses, the number of classes its labels index.`,
      );
    if (manifest && body.numClasses !== undefined && body.numClasses !== manifest.classes.length)
      throw badRequest(
        'classes-mismatch',
        `numClasses is ${body.numClasses} but ${where}${MANIFEST} lists ${manifest.classes.length} classes; drop numClasses or fix the manifest.`,
      );
    const doc: DatasetDocument = {
      name: body.name,
      uri: body.uri,
      bucket: location.bucket,
      numClasses,
      classes: manifest?.classes,
      samples: manifest?.samples,
      shards: manifest ? this.checkAgainst(manifest, shards, where) : shards,
      registeredAt: new Date().toISOString(),
    };
    await this.store.putJson(docKey, doc);
    return doc;
  }

  async get(tenant: string, name: string): Promise<DatasetDocument> {
    const doc = await this.store.getJson<DatasetDocument>(
      this.layout.datasetDocumentKey(tenant, name),
    );
    if (!doc)
      throw notFound(
        'dataset-not-found',
        `No dataset named '${name}'; register it with POST /v1/datasets.`,
      );
    return doc;
  }

  async list(tenant: string): Promise<DatasetDocument[]> {
    const names = await this.store.listFolders(this.layout.datasetsPrefix(tenant));
    const docs = await Promise.all(
      names.map((name) =>
        this.get(tenant, name).catch(unlessNotFound<DatasetDocument>('dataset-not-found')),
      ),
    );
    return docs.filter((d): d is DatasetDocument => d !== undefined);
  }

  private async manifest(bucket: string, prefix: string): Promise<DatasetManifest | undefined> {
    const text = await this.store.getText(bucket, `${prefix}${MANIFEST}`);
    if (text === undefined) return undefined;
    try {
      return parseDatasetManifest(text, formatS3Uri(bucket, `${prefix}${MANIFEST}`));
    } catch (error) {
      if (error instanceof WebDatasetError) throw badRequest('manifest-invalid', error.message);
      throw error;
    }
  }

  /** The listed shards must be exactly the manifest's, with its sizes; samples come from it. */
  private checkAgainst(
    manifest: DatasetManifest,
    shards: DatasetShard[],
    where: string,
  ): DatasetShard[] {
    const listed = new Map(shards.map((s) => [s.id, s]));
    const missing = manifest.shards.filter((m) => !listed.has(m.file)).map((m) => m.file);
    const extra = shards
      .filter((s) => !manifest.shards.some((m) => m.file === s.id))
      .map((s) => s.id);
    if (missing.length || extra.length)
      throw badRequest(
        'shards-mismatch',
        `The shards under ${where} do not match its ${MANIFEST}${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not in the manifest: ${extra.join(', ')}` : ''}. Upload exactly the manifest's shards.`,
      );
    return manifest.shards.map((m) => {
      const shard = listed.get(m.file)!;
      if (shard.bytes !== m.bytes)
        throw badRequest(
          'shard-size-mismatch',
          `Shard ${where}${m.file} is ${shard.bytes} bytes but the manifest says ${m.bytes}; upload it again.`,
        );
      return { ...shard, samples: m.samples };
    });
  }
}
