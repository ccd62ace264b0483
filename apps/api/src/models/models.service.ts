import { Inject, Injectable } from '@nestjs/common';
import { CascadeError, resolvePreprocess } from '@tinysaver/cascade';
import { QueueName, type ModelProfileDocument, type ProfiledModelRef } from '@tinysaver/contracts';
import { FarmLayout, formatS3Uri } from '@tinysaver/storage';
import { badRequest, conflict, notFound, unlessNotFound } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { JobQueues } from '../queues/job-queues';
import { DocumentStore } from '../storage/document-store';
import { insideFarm } from '../storage/user-uri';
import { viewModel, type ModelDocument, type ModelView } from './model-document';
import type { RegisterModelBody } from './model-request';

/** How long a presigned upload URL stays valid. */
const UPLOAD_SECONDS = 3600;

/** Registers models (document in S3 + a profile job) and shows them with their profile. */
@Injectable()
export class ModelsService {
  private readonly layout: FarmLayout;

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    private readonly store: DocumentStore,
    private readonly queues: JobQueues,
  ) {
    this.layout = new FarmLayout(config.s3.prefix);
  }

  async register(tenant: string, body: RegisterModelBody): Promise<ModelView> {
    let preprocess;
    try {
      preprocess = resolvePreprocess(body.preprocess);
    } catch (error) {
      if (error instanceof CascadeError)
        throw badRequest('invalid-preprocess', `preprocess: ${error.message}`);
      throw error;
    }
    const docKey = this.layout.modelDocumentKey(tenant, body.name);
    if (await this.store.getJson<ModelDocument>(docKey))
      throw conflict(
        'model-exists',
        `A model named '${body.name}' is already registered; choose another name.`,
      );
    const object =
      body.uri === undefined
        ? { bucket: this.config.s3.bucket, key: this.layout.modelUploadKey(tenant, body.name) }
        : insideFarm(body.uri, this.config.s3.bucket, this.config.s3.prefix);
    const doc: ModelDocument = {
      name: body.name,
      uri: body.uri ?? formatS3Uri(object.bucket, object.key),
      object,
      preprocess,
      registeredAt: new Date().toISOString(),
    };
    if (body.uri === undefined) {
      await this.store.putJson(docKey, doc);
      return viewModel(
        doc,
        undefined,
        await this.store.presignPut(object.bucket, object.key, UPLOAD_SECONDS),
      );
    }
    const completed = await this.complete(tenant, doc);
    if (!completed)
      throw badRequest(
        'object-missing',
        `Nothing is stored at ${body.uri}; upload the .onnx file there first.`,
      );
    return viewModel(completed, undefined);
  }

  /**
   * Hashes the uploaded object, writes the document with its sha256 and queues the profile job;
   * undefined while there is nothing to hash yet.
   */
  private async complete(tenant: string, doc: ModelDocument): Promise<ModelDocument | undefined> {
    const head = await this.store.head(doc.object.bucket, doc.object.key);
    if (!head) return undefined;
    if (head.bytes > this.config.maxModelBytes)
      throw badRequest(
        'model-too-large',
        `${doc.uri} is ${head.bytes} bytes, over the ${this.config.maxModelBytes}-byte limit; register a smaller model or raise MAX_MODEL_MB.`,
      );
    const sha256 = await this.store.sha256(doc.object.bucket, doc.object.key);
    const completed: ModelDocument = { ...doc, sha256, bytes: head.bytes };
    await this.store.putJson(this.layout.modelDocumentKey(tenant, doc.name), completed);
    await this.profile(tenant, completed);
    return completed;
  }

  /** Queues the profile job of a registered file (again, if an earlier one left no profile). */
  private async profile(tenant: string, doc: ModelDocument): Promise<void> {
    const sha256 = doc.sha256!;
    await this.queues.ensure(
      QueueName.Profile,
      {
        v: 1,
        tenant,
        model: { name: doc.name, sha256, object: doc.object, preprocess: doc.preprocess },
      },
      `profile.${tenant}.${doc.name}.${sha256.slice(0, 16)}`,
    );
  }

  async get(tenant: string, name: string): Promise<ModelView> {
    const doc = await this.store.getJson<ModelDocument>(this.layout.modelDocumentKey(tenant, name));
    // Another tenant's model and no model at all look the same: 404.
    if (!doc)
      throw notFound(
        'model-not-found',
        `No model named '${name}'; register it with POST /v1/models.`,
      );
    if (doc.sha256 === undefined) {
      // Registered without a URI: the first read after the upload completes the registration.
      const completed = await this.complete(tenant, doc);
      if (completed) return viewModel(completed, undefined);
      const { bucket, key } = doc.object;
      return viewModel(doc, undefined, await this.store.presignPut(bucket, key, UPLOAD_SECONDS));
    }
    const profile = await this.store.getJson<ModelProfileDocument>(
      this.layout.modelProfileKey(tenant, name),
    );
    const view = viewModel(doc, profile);
    // Still profiling: make sure a job is on it (Redis may have lost it, or kept a finished one).
    if (view.status === 'profiling') await this.profile(tenant, doc);
    return view;
  }

  /**
   * A ready model as jobs see it: file, content hash, preprocessing, MACs and classes. 409
   * `model-not-ready` when it has no ready profile of its current file.
   */
  async profiledRef(tenant: string, name: string): Promise<ProfiledModelRef> {
    const doc = await this.store.getJson<ModelDocument>(this.layout.modelDocumentKey(tenant, name));
    if (!doc)
      throw notFound(
        'model-not-found',
        `No model named '${name}'; register it with POST /v1/models.`,
      );
    const profile = await this.store.getJson<ModelProfileDocument>(
      this.layout.modelProfileKey(tenant, name),
    );
    if (!doc.sha256 || profile?.status !== 'ready' || profile.sha256 !== doc.sha256)
      throw conflict(
        'model-not-ready',
        `Model '${name}' is not ready (its profile is not done or failed); wait for status ready.`,
      );
    return {
      name,
      sha256: doc.sha256,
      object: doc.object,
      preprocess: doc.preprocess,
      macs: profile.macs,
      numClasses: profile.numClasses,
    };
  }

  async list(tenant: string): Promise<ModelView[]> {
    const names = await this.store.listFolders(this.layout.modelsPrefix(tenant));
    // A folder without model.json (a half-deleted model) is skipped; S3 failures are not.
    const views = await Promise.all(
      names.map((name) =>
        this.get(tenant, name).catch(unlessNotFound<ModelView>('model-not-found')),
      ),
    );
    return views.filter((v): v is ModelView => v !== undefined);
  }
}
