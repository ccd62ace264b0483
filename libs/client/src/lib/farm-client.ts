import type {
  CascadeRunRequest,
  CascadeRunView,
  CurveView,
  DatasetDocument,
  ModelView,
  SearchResultsDocument,
  SearchView,
  UploadInstructions,
  WhatIfView,
} from '@tinysaver/contracts';

/** A refusal or failure answered by the API: its HTTP status and `{error: {code, message}}`. */
export class FarmApiError extends Error {
  override readonly name = 'FarmApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FarmClientOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8080`. */
  readonly api: string;
  /** A tenant's API key (sent as `Authorization: Bearer`). */
  readonly key: string;
  /** Per-request timeout. @defaultValue 30 000 ms */
  readonly timeoutMs?: number;
  /** Timeout of {@link FarmClient.uploadModel} (a large file on a slow link). @defaultValue 600 000 ms */
  readonly uploadTimeoutMs?: number;
}

export interface SearchRequestBody {
  readonly bases: readonly string[];
  readonly savers?: 'all-cheaper' | readonly string[];
  readonly selection: string;
  readonly evaluation: string;
  readonly budgets?: readonly number[];
  readonly topK?: number;
  readonly chains?: boolean;
}

/**
 * The farm's REST API as typed calls. Every non-2xx answer becomes a {@link FarmApiError}
 * carrying the API's code and sentence; network failures keep their own error.
 */
export class FarmClient {
  private readonly base: string;

  constructor(private readonly options: FarmClientOptions) {
    this.base = options.api.replace(/\/+$/, '');
  }

  registerModel(body: {
    name: string;
    uri?: string;
    preprocess: Record<string, unknown>;
  }): Promise<ModelView> {
    return this.call('POST', '/v1/models', body);
  }
  model(name: string): Promise<ModelView> {
    return this.call('GET', `/v1/models/${encodeURIComponent(name)}`);
  }
  async models(): Promise<ModelView[]> {
    return (await this.call<{ models: ModelView[] }>('GET', '/v1/models')).models;
  }
  /**
   * PUTs a model's bytes to the presigned URL of a model registered without a URI (the next
   * read of the model registers them). The URL carries its own signature: no API key is sent.
   * A refusal becomes a {@link FarmApiError} with S3's error code (e.g. `AccessDenied`,
   * `SignatureDoesNotMatch` once the URL expired), or `http-<status>` when S3 names none.
   */
  async uploadModel(upload: UploadInstructions, body: Uint8Array): Promise<void> {
    const res = await fetch(upload.url, {
      method: upload.method,
      body,
      signal: AbortSignal.timeout(this.options.uploadTimeoutMs ?? 600_000),
    });
    const text = await res.text();
    if (!res.ok) {
      const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
      throw new FarmApiError(
        res.status,
        tag('Code') ?? `http-${res.status}`,
        `Uploading to the presigned URL failed: ${tag('Message') ?? (text.slice(0, 300) || res.statusText)}`,
      );
    }
  }

  registerDataset(body: {
    name: string;
    uri: string;
    numClasses?: number;
  }): Promise<DatasetDocument> {
    return this.call('POST', '/v1/datasets', body);
  }
  dataset(name: string): Promise<DatasetDocument> {
    return this.call('GET', `/v1/datasets/${encodeURIComponent(name)}`);
  }
  async datasets(): Promise<DatasetDocument[]> {
    return (await this.call<{ datasets: DatasetDocument[] }>('GET', '/v1/datasets')).datasets;
  }

  startSearch(body: SearchRequestBody): Promise<SearchView> {
    return this.call('POST', '/v1/searches', body);
  }
  search(id: string): Promise<SearchView> {
    return this.call('GET', `/v1/searches/${encodeURIComponent(id)}`);
  }
  async searches(): Promise<SearchView[]> {
    return (await this.call<{ searches: SearchView[] }>('GET', '/v1/searches')).searches;
  }
  cancelSearch(id: string): Promise<SearchView> {
    return this.call('DELETE', `/v1/searches/${encodeURIComponent(id)}`);
  }
  results(id: string): Promise<SearchResultsDocument> {
    return this.call('GET', `/v1/searches/${encodeURIComponent(id)}/results`);
  }
  curve(
    id: string,
    base: string,
    saver: string,
    query: { split?: 'selection' | 'evaluation'; exact?: boolean } = {},
  ): Promise<CurveView> {
    const params = new URLSearchParams();
    if (query.split) params.set('split', query.split);
    if (query.exact !== undefined) params.set('exact', String(query.exact));
    return this.call('GET', `${this.pairPath(id, 'curves', base, saver)}?${params.toString()}`);
  }
  whatIf(
    id: string,
    base: string,
    saver: string,
    query: { threshold: number } | { budget: number },
  ): Promise<WhatIfView> {
    const params = new URLSearchParams(
      'threshold' in query
        ? { threshold: String(query.threshold) }
        : { budget: String(query.budget) },
    );
    return this.call('GET', `${this.pairPath(id, 'what-if', base, saver)}?${params.toString()}`);
  }
  /** The search's self-contained HTML report. */
  report(id: string): Promise<string> {
    return this.call('GET', `/v1/searches/${encodeURIComponent(id)}/report`, undefined, 'text');
  }

  startCascadeRun(
    body: Omit<CascadeRunRequest, 'baseline'> & { baseline?: boolean },
  ): Promise<CascadeRunView> {
    return this.call('POST', '/v1/cascade-runs', body);
  }
  cascadeRun(id: string): Promise<CascadeRunView> {
    return this.call('GET', `/v1/cascade-runs/${encodeURIComponent(id)}`);
  }
  async cascadeRuns(): Promise<CascadeRunView[]> {
    return (await this.call<{ cascadeRuns: CascadeRunView[] }>('GET', '/v1/cascade-runs'))
      .cascadeRuns;
  }

  /** `GET /health` (no key): true when Redis and S3 answer. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/health`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private pairPath(id: string, what: string, base: string, saver: string): string {
    return `/v1/searches/${encodeURIComponent(id)}/${what}/${encodeURIComponent(base)}/${encodeURIComponent(saver)}`;
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    as: 'json' | 'text' = 'json',
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let error = { code: `http-${res.status}`, message: text.slice(0, 500) || res.statusText };
      try {
        error = (JSON.parse(text) as { error: typeof error }).error ?? error;
      } catch {
        // Not the API's JSON (a proxy's page, say): keep the raw text.
      }
      throw new FarmApiError(res.status, error.code, error.message);
    }
    return (as === 'text' ? text : JSON.parse(text)) as T;
  }
}
