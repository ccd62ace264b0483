import { Inject, Injectable } from '@nestjs/common';
import { CascadeError, resolvePreprocess } from '@tinysaver/cascade';
import { QueueName, type ModelProfileDocument } from '@tinysaver/contracts';
import { FarmLayout } from '@tinysaver/storage';
import { badRequest, conflict, notFound } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import { JobQueues } from '../queues/job-queues';
import { DocumentStore } from '../storage/document-store';
import { insideFarm } from '../storage/user-uri';
import { viewModel, type ModelDocument, type ModelView } from './model-document';
import type { RegisterModelBody } from './model-request';

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
    if (body.uri === undefined)
      throw badRequest(
        'uri-required',
        "Give 'uri', the s3:// URI of the .onnx file in the farm's bucket.",
      );
    const object = insideFarm(body.uri, this.config.s3.bucket, this.config.s3.prefix);
    const docKey = this.layout.modelDocumentKey(tenant, body.name);
    if (await this.store.getJson<ModelDocument>(docKey))
      throw conflict(
        'model-exists',
        `A model named '${body.name}' is already registered; choose another name.`,
      );
    const head = await this.store.head(object.bucket, object.key);
    if (!head)
      throw badRequest(
        'object-missing',
        `Nothing is stored at ${body.uri}; upload the .onnx file there first.`,
      );
    if (head.bytes > this.config.maxModelBytes)
      throw badRequest(
        'model-too-large',
        `${body.uri} is ${head.bytes} bytes, over the ${this.config.maxModelBytes}-byte limit; register a smaller model or raise MAX_MODEL_MB.`,
      );
    const doc: ModelDocument = {
      name: body.name,
      uri: body.uri,
      object,
      sha256: await this.store.sha256(object.bucket, object.key),
      bytes: head.bytes,
      preprocess,
      registeredAt: new Date().toISOString(),
    };
    await this.store.putJson(docKey, doc);
    await this.queues.enqueue(
      QueueName.Profile,
      { v: 1, tenant, model: { name: doc.name, sha256: doc.sha256, object, preprocess } },
      `profile.${tenant}.${doc.name}.${doc.sha256.slice(0, 16)}`,
    );
    return viewModel(doc, undefined);
  }

  async get(tenant: string, name: string): Promise<ModelView> {
    const doc = await this.store.getJson<ModelDocument>(this.layout.modelDocumentKey(tenant, name));
    // Another tenant's model and no model at all look the same: 404.
    if (!doc)
      throw notFound(
        'model-not-found',
        `No model named '${name}'; register it with POST /v1/models.`,
      );
    const profile = await this.store.getJson<ModelProfileDocument>(
      this.layout.modelProfileKey(tenant, name),
    );
    return viewModel(doc, profile);
  }

  async list(tenant: string): Promise<ModelView[]> {
    const names = await this.store.listFolders(this.layout.modelsPrefix(tenant));
    const views = await Promise.all(
      names.map((name) => this.get(tenant, name).catch(() => undefined)),
    );
    return views.filter((v): v is ModelView => v !== undefined);
  }
}
