// The API's OpenAPI 3.1 document, built from the code: request bodies and query parameters from
// the very zod schemas the controllers validate with, responses from ./response-schemas (held to
// the TypeScript interfaces by compile-time guards). Pure: no Nest, no I/O, no clock, so
// `npm run openapi` (tsx, which drops decorator metadata) can build it, and two builds are equal.
import { z } from 'zod';
import { CascadeRunBody } from '../cascade-runs/cascade-run-request';
import { RegisterDatasetBody } from '../datasets/dataset-document';
import { BacklogQuery } from '../metrics/backlog';
import { NAME, RegisterModelBody } from '../models/model-request';
import { CurveQuery, WhatIfQuerySchema } from '../searches/pair-queries';
import { SearchBody } from '../searches/search-request';
import { responseRegistry } from './response-schemas';

/** A JSON value (what the document is made of). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: {
    securitySchemes: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    schemas: Record<string, JsonObject>;
  };
}

/** apps/api/package.json's version (the openapi spec checks that they agree). */
export const API_VERSION = '0.1.0';

const SCHEMAS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${SCHEMAS}${id}` });

/** `z.int()` bounds itself to the safe integers: say nothing rather than ±2^53−1. */
const override: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = ({
  jsonSchema: json,
}) => {
  if (json.type !== 'integer') return;
  if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
  if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
};

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the per-document keywords. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  return withoutDocumentKeywords(z.toJSONSchema(schema, { io, override }) as JsonObject);
}

/** `$schema` and `$id` belong to standalone JSON Schema documents, not to OpenAPI components. */
function withoutDocumentKeywords(schema: JsonObject): JsonObject {
  const rest = { ...schema };
  delete rest.$schema;
  delete rest.$id;
  return rest;
}

/** The response schemas, each with its `$ref`s pointing into components.schemas. */
function responseSchemas(): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(responseRegistry, {
    io: 'output',
    override,
    metadata: responseRegistry,
    uri: (id) => `${SCHEMAS}${id}`,
  }) as { schemas: Record<string, JsonObject> };
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    if (id === '__shared')
      throw new Error('response-schemas.ts: a schema is shared without an id; give it one.');
    out[id] = withoutDocumentKeywords(schema);
  }
  return out;
}

/** Request bodies: the controllers' own schemas, as a client writes them (`io: 'input'`). */
const REQUEST_BODIES: Record<string, z.ZodType> = {
  RegisterModelBody,
  RegisterDatasetBody,
  SearchBody,
  CascadeRunBody,
};

/**
 * Query parameters from a controller's query schema, one per property. A query string holds
 * strings: a default that zod leaves out of the input schema (it is the parsed value, e.g. the
 * boolean of a 'true'|'false' flag) is written as the string that parses to it.
 */
function queryParameters(schema: z.ZodObject, descriptions: Record<string, string>): JsonObject[] {
  const json = jsonSchema(schema, 'input');
  const required = (json.required ?? []) as string[];
  const properties = json.properties as Record<string, JsonObject>;
  return Object.entries(properties).map(([name, property]) => {
    const field = schema.shape[name] as z.ZodType;
    const fieldSchema = { ...property };
    if (!('default' in fieldSchema) && field instanceof z.ZodDefault) {
      const value: unknown = field.def.defaultValue;
      const wire = String(value);
      const parsed = field.safeParse(wire);
      if (!parsed.success || parsed.data !== value)
        throw new Error(`query parameter ${name}: its default does not read back from '${wire}'.`);
      fieldSchema.default = wire;
    }
    return {
      name,
      in: 'query',
      required: required.includes(name),
      ...(descriptions[name] ? { description: descriptions[name] } : {}),
      schema: fieldSchema,
    };
  });
}

const NAME_PATTERN = jsonSchema(NAME, 'input');
const pathParameter = (name: string, description: string): JsonObject => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: NAME_PATTERN,
});
/** Path parameters, shared (`#/components/parameters/<key>`). */
const PATH_PARAMETERS: Record<string, JsonObject> = {
  ModelName: pathParameter('name', 'The model name.'),
  DatasetName: pathParameter('name', 'The dataset name.'),
  SearchId: pathParameter('id', 'The search id (from POST /v1/searches).'),
  CascadeRunId: pathParameter('id', 'The cascade run id (from POST /v1/cascade-runs).'),
  Base: pathParameter('base', 'A base model of the search.'),
  Saver: pathParameter('saver', 'One of its candidate savers in the search.'),
};
const param = (key: keyof typeof PATH_PARAMETERS) => ({
  $ref: `#/components/parameters/${key}`,
});

// --- errors --------------------------------------------------------------------------------------

/** Error codes per HTTP status. */
type ErrorCodes = Partial<Record<number, readonly string[]>>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

const TENANT_AUTH: ErrorCodes = { 401: ['missing-api-key', 'invalid-api-key'] };
const ADMIN_AUTH: ErrorCodes = {
  401: ['missing-admin-key', 'invalid-admin-key'],
  403: ['admin-disabled'],
};
const INTERNAL: ErrorCodes = { 500: ['internal'] };
const STORAGE: ErrorCodes = { 503: ['storage-unavailable'] };
/** A path parameter that is not a valid name. */
const BAD_PATH: ErrorCodes = { 400: ['invalid-request'] };
/** A JSON body: parsed by body-parser, then validated by the route's zod schema. */
const JSON_BODY: ErrorCodes = {
  400: ['invalid-request', 'malformed-json'],
  413: ['body-too-large'],
  415: ['unsupported-encoding'],
};
/** POST/PUT/PATCH/DELETE count against the tenant's WRITES_PER_MINUTE. */
const WRITE: ErrorCodes = { 429: ['rate-limited'] };
/** Curves, what-if answers and realised-vs-simulated read records in the analysis thread. */
const ANALYSIS: ErrorCodes = { 409: ['records-missing', 'analysis-failed'] };

function mergeCodes(...sets: ErrorCodes[]): ErrorCodes {
  const merged: Record<number, string[]> = {};
  for (const set of sets)
    for (const [status, codes] of Object.entries(set)) {
      const list = (merged[Number(status)] ??= []);
      for (const code of codes ?? []) if (!list.includes(code)) list.push(code);
    }
  return merged;
}

const WWW_AUTHENTICATE = (realm: string): JsonObject => ({
  'WWW-Authenticate': {
    description: `\`Basic realm="${realm}"\`: makes a browser ask for the key (as the password).`,
    schema: { type: 'string' },
  },
});

function errorResponses(codes: ErrorCodes, admin: boolean): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const status of Object.keys(codes)
    .map(Number)
    .sort((a, b) => a - b)) {
    const list = codes[status] ?? [];
    const headers: JsonObject = {
      ...(status === 429
        ? {
            'Retry-After': {
              description: 'Seconds until the next minute, when writes are allowed again.',
              schema: { type: 'integer' },
            },
          }
        : {}),
      ...(status === 401 && admin ? WWW_AUTHENTICATE('tinysaver-admin') : {}),
    };
    out[String(status)] = {
      description: `${STATUS_TEXT[status] ?? `HTTP ${status}`}. Codes: ${list.map((c) => `\`${c}\``).join(', ')}.`,
      ...(Object.keys(headers).length ? { headers } : {}),
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  return out;
}

// --- operations ----------------------------------------------------------------------------------

type Auth = 'tenant' | 'none' | 'admin';

interface OperationSpec {
  readonly method: HttpMethod;
  /** OpenAPI template (`/v1/models/{name}`). */
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: Auth;
  readonly params?: readonly (keyof typeof PATH_PARAMETERS)[];
  readonly query?: { readonly schema: z.ZodObject; readonly descriptions: Record<string, string> };
  /** Key of REQUEST_BODIES. */
  readonly body?: keyof typeof REQUEST_BODIES;
  readonly success: {
    readonly status: number;
    readonly description: string;
    /** A response schema id, or a media type with a plain-text body. */
    readonly schema?: string;
    readonly mediaType?: string;
  };
  /** Other non-error responses (e.g. /health's 503 with the same body). */
  readonly extra?: Record<string, JsonObject>;
  readonly errors: ErrorCodes;
}

/** Every route the API serves but /docs itself. The route coverage test holds this to Nest's. */
const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tag: 'health',
    summary: 'Check that Redis and S3 answer',
    description: 'No API key needed. 503 (same body) when Redis or S3 does not answer within 2 s.',
    auth: 'none',
    success: { status: 200, description: 'Redis and S3 both answered.', schema: 'Health' },
    extra: {
      '503': {
        description: 'Redis or S3 did not answer; the body says which.',
        content: { 'application/json': { schema: ref('Health') } },
      },
    },
    errors: INTERNAL,
  },
  {
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    tag: 'health',
    summary: 'Check that the process answers',
    description:
      'No API key needed; checks nothing else, so a liveness probe never restarts the API for ' +
      'an outage of Redis or S3 (`/health` is the readiness probe).',
    auth: 'none',
    success: { status: 200, description: 'The process answers.', schema: 'Liveness' },
    errors: INTERNAL,
  },
  // models
  {
    method: 'post',
    path: '/v1/models',
    operationId: 'registerModel',
    tag: 'models',
    summary: 'Register an ONNX model',
    description:
      "With `uri` (inside `s3://$S3_BUCKET/$S3_PREFIX/`): the object's sha256 is streamed and a " +
      'profile job queued (status `profiling`). Without `uri`: status `awaiting-upload` with a ' +
      'presigned PUT URL valid for 1 h; the first read after the upload registers the bytes.',
    auth: 'tenant',
    body: 'RegisterModelBody',
    success: {
      status: 202,
      description: 'Registered; the profile job runs next.',
      schema: 'ModelView',
    },
    errors: mergeCodes(
      JSON_BODY,
      {
        400: [
          'invalid-preprocess',
          'invalid-uri',
          'uri-outside-bucket',
          'object-missing',
          'model-too-large',
        ],
        409: ['model-exists'],
      },
      WRITE,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/models',
    operationId: 'listModels',
    tag: 'models',
    summary: "List the tenant's models",
    auth: 'tenant',
    success: { status: 200, description: "The tenant's models.", schema: 'ModelList' },
    errors: mergeCodes({ 400: ['model-too-large'] }, STORAGE),
  },
  {
    method: 'get',
    path: '/v1/models/{name}',
    operationId: 'getModel',
    tag: 'models',
    summary: 'Show a model and its profile',
    description:
      'Status `awaiting-upload` (with a fresh upload URL), `profiling`, `ready` (with the profile) ' +
      'or `invalid` (with the reason). Another tenant’s model is 404 like none at all.',
    auth: 'tenant',
    params: ['ModelName'],
    success: { status: 200, description: 'The model.', schema: 'ModelView' },
    errors: mergeCodes(BAD_PATH, { 400: ['model-too-large'], 404: ['model-not-found'] }, STORAGE),
  },
  // datasets
  {
    method: 'post',
    path: '/v1/datasets',
    operationId: 'registerDataset',
    tag: 'datasets',
    summary: 'Register a dataset of WebDataset shards',
    description:
      'Lists the `.tar`/`.tar.gz` shards directly under `uri`, checks them against its ' +
      '`manifest.json` when there is one, and pins each to its ETag.',
    auth: 'tenant',
    body: 'RegisterDatasetBody',
    success: { status: 201, description: 'Registered.', schema: 'Dataset' },
    errors: mergeCodes(
      JSON_BODY,
      {
        400: [
          'invalid-uri',
          'uri-outside-bucket',
          'no-shards',
          'shard-empty',
          'shards-mismatch',
          'shard-size-mismatch',
          'manifest-invalid',
          'classes-unknown',
          'classes-mismatch',
        ],
        409: ['dataset-exists'],
      },
      WRITE,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/datasets',
    operationId: 'listDatasets',
    tag: 'datasets',
    summary: "List the tenant's datasets",
    auth: 'tenant',
    success: { status: 200, description: "The tenant's datasets.", schema: 'DatasetList' },
    errors: STORAGE,
  },
  {
    method: 'get',
    path: '/v1/datasets/{name}',
    operationId: 'getDataset',
    tag: 'datasets',
    summary: 'Show a dataset',
    auth: 'tenant',
    params: ['DatasetName'],
    success: { status: 200, description: 'The dataset.', schema: 'Dataset' },
    errors: mergeCodes(BAD_PATH, { 404: ['dataset-not-found'] }, STORAGE),
  },
  // searches
  {
    method: 'post',
    path: '/v1/searches',
    operationId: 'submitSearch',
    tag: 'searches',
    summary: 'Search the best savers of each base',
    description:
      'Checks the models (ready, same classes as the datasets) and datasets, stores the search ' +
      'and queues it; poll GET /v1/searches/{id}. Budgets are accuracy drops in points.',
    auth: 'tenant',
    body: 'SearchBody',
    success: { status: 202, description: 'Stored and queued.', schema: 'Search' },
    errors: mergeCodes(
      JSON_BODY,
      {
        400: [
          'unknown-dataset',
          'unknown-model',
          'classes-mismatch',
          'no-cheaper-saver',
          'model-too-large',
        ],
        409: ['model-not-ready'],
      },
      WRITE,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/searches',
    operationId: 'listSearches',
    tag: 'searches',
    summary: "List the tenant's searches",
    auth: 'tenant',
    success: { status: 200, description: 'Newest first.', schema: 'SearchList' },
    errors: STORAGE,
  },
  {
    method: 'get',
    path: '/v1/searches/{id}',
    operationId: 'getSearch',
    tag: 'searches',
    summary: 'Show a search and its progress',
    auth: 'tenant',
    params: ['SearchId'],
    success: { status: 200, description: 'The search.', schema: 'Search' },
    errors: mergeCodes(BAD_PATH, { 404: ['search-not-found'] }, STORAGE),
  },
  {
    method: 'delete',
    path: '/v1/searches/{id}',
    operationId: 'cancelSearch',
    tag: 'searches',
    summary: 'Cancel a queued or running search',
    auth: 'tenant',
    params: ['SearchId'],
    success: { status: 200, description: 'Cancelled.', schema: 'Search' },
    errors: mergeCodes(
      BAD_PATH,
      { 404: ['search-not-found'], 409: ['search-ended'] },
      WRITE,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/searches/{id}/results',
    operationId: 'getSearchResults',
    tag: 'searches',
    summary: "A completed search's ranked savers",
    auth: 'tenant',
    params: ['SearchId'],
    success: { status: 200, description: 'The results.', schema: 'SearchResults' },
    errors: mergeCodes(
      BAD_PATH,
      { 404: ['search-not-found'], 409: ['search-not-completed'], 500: ['results-missing'] },
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/searches/{id}/curves/{base}/{saver}',
    operationId: 'getCurve',
    tag: 'searches',
    summary: "A pair's trade-off curve",
    description:
      'The 1001-point grid (threshold ascending), or with `exact=true` one point per distinct ' +
      'confidence (threshold descending), on one split of a completed search.',
    auth: 'tenant',
    params: ['SearchId', 'Base', 'Saver'],
    query: {
      schema: CurveQuery,
      descriptions: {
        split: 'The split whose records are read.',
        exact: '`true`: every distinct confidence rather than the 1001-point grid.',
      },
    },
    success: { status: 200, description: 'The curve, column by column.', schema: 'Curve' },
    errors: mergeCodes(
      BAD_PATH,
      {
        404: ['search-not-found', 'pair-not-in-search'],
        409: ['search-not-completed'],
      },
      ANALYSIS,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/searches/{id}/what-if/{base}/{saver}',
    operationId: 'getWhatIf',
    tag: 'searches',
    summary: 'Both splits read at any threshold or budget',
    description:
      'Give exactly one of `threshold` (a sample exits iff the saver’s top-1 probability is > it) ' +
      'or `budget` (accuracy drop in points: the grid threshold is chosen on the selection split).',
    auth: 'tenant',
    params: ['SearchId', 'Base', 'Saver'],
    query: {
      schema: WhatIfQuerySchema,
      descriptions: {
        threshold: 'A confidence from 0 to 1 (exclusive with `budget`).',
        budget: 'An accuracy drop from 0 to 100 points (exclusive with `threshold`).',
      },
    },
    success: { status: 200, description: 'The readings.', schema: 'WhatIf' },
    errors: mergeCodes(
      BAD_PATH,
      {
        404: ['search-not-found', 'pair-not-in-search'],
        409: ['search-not-completed'],
      },
      ANALYSIS,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/searches/{id}/report',
    operationId: 'getSearchReport',
    tag: 'searches',
    summary: "A completed search's report: one self-contained HTML page",
    description:
      'Per base, the accuracy against relative compute curves of its ranked savers on both ' +
      'splits (uPlot charts) with each budget’s chosen point and the base’s own, the ranked ' +
      'savers (ΔC, match row, budgets, bootstrap intervals), and the realised against simulated ' +
      'numbers of the tenant’s cascade runs of the search’s pairs. uPlot and the data are ' +
      'inlined: the page fetches nothing, so it can be saved and opened anywhere.',
    auth: 'tenant',
    params: ['SearchId'],
    success: { status: 200, description: 'The report page.', mediaType: 'text/html' },
    errors: mergeCodes(
      BAD_PATH,
      { 404: ['search-not-found'], 409: ['search-not-completed'], 500: ['results-missing'] },
      ANALYSIS,
      STORAGE,
    ),
  },
  // cascade runs
  {
    method: 'post',
    path: '/v1/cascade-runs',
    operationId: 'submitCascadeRun',
    tag: 'cascade-runs',
    summary: 'Run a saver → base cascade for real on a dataset',
    description:
      'One cascade job per shard; the two models’ records give the simulated numbers to compare ' +
      'against. Poll GET /v1/cascade-runs/{id}.',
    auth: 'tenant',
    body: 'CascadeRunBody',
    success: { status: 202, description: 'Queued.', schema: 'CascadeRun' },
    errors: mergeCodes(
      JSON_BODY,
      {
        400: ['saver-not-cheaper', 'unknown-dataset', 'unknown-model', 'classes-mismatch'],
        409: ['model-not-ready'],
      },
      WRITE,
      STORAGE,
    ),
  },
  {
    method: 'get',
    path: '/v1/cascade-runs',
    operationId: 'listCascadeRuns',
    tag: 'cascade-runs',
    summary: "List the tenant's cascade runs",
    auth: 'tenant',
    success: { status: 200, description: 'Newest first.', schema: 'CascadeRunList' },
    errors: mergeCodes(ANALYSIS, STORAGE),
  },
  {
    method: 'get',
    path: '/v1/cascade-runs/{id}',
    operationId: 'getCascadeRun',
    tag: 'cascade-runs',
    summary: 'Show a cascade run: realised against simulated once done',
    auth: 'tenant',
    params: ['CascadeRunId'],
    success: { status: 200, description: 'The cascade run.', schema: 'CascadeRun' },
    errors: mergeCodes(BAD_PATH, { 404: ['cascade-run-not-found'] }, ANALYSIS, STORAGE),
  },
  // admin
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tag: 'admin',
    summary: 'Prometheus metrics',
    description:
      'HTTP requests and latencies per route template, queue depths per state, job outcomes and ' +
      'durations, process metrics. Admin key only.',
    auth: 'admin',
    success: {
      status: 200,
      description: 'Prometheus text exposition format.',
      mediaType: 'text/plain',
    },
    errors: ADMIN_AUTH,
  },
  {
    method: 'get',
    path: '/metrics/backlog',
    operationId: 'getBacklog',
    tag: 'admin',
    summary: 'Jobs that want a worker now (for an autoscaler)',
    description:
      'Waiting, prioritized and active jobs per queue, read from Redis at the call, and their ' +
      "sum: what KEDA's metrics-api trigger scales workers on (`valueLocation: backlog`). A list " +
      'length would miss prioritized jobs, which BullMQ keeps in a sorted set. Admin key only.',
    auth: 'admin',
    query: {
      schema: BacklogQuery,
      descriptions: {
        queues:
          'Comma-separated job names (profile, records, cascade, aggregate) or full queue names; ' +
          'by default the inference queues GPU workers serve.',
      },
    },
    success: { status: 200, description: 'The backlog.', schema: 'Backlog' },
    errors: mergeCodes(ADMIN_AUTH, { 400: ['invalid-request'], 503: ['queue-unavailable'] }),
  },
  {
    method: 'get',
    path: '/admin/queues',
    operationId: 'getQueueDashboard',
    tag: 'admin',
    summary: 'Queue dashboard (bull-board, read-only)',
    description:
      'A browser page over every farm queue, with its assets and JSON API below ' +
      '`/admin/queues/`. Admin key only (send it as the Basic password from a browser).',
    auth: 'admin',
    success: { status: 200, description: 'The dashboard page.', mediaType: 'text/html' },
    errors: ADMIN_AUTH,
  },
];

const SECURITY: Record<Auth, Record<string, string[]>[] | undefined> = {
  tenant: undefined, // the document's default
  none: [],
  admin: [{ adminBearer: [] }, { adminBasic: [] }],
};

function operation(spec: OperationSpec): OpenApiOperation {
  const { success } = spec;
  const errors = mergeCodes(
    spec.auth === 'tenant' ? TENANT_AUTH : spec.auth === 'admin' ? ADMIN_AUTH : {},
    spec.query ? BAD_PATH : {},
    spec.errors,
    INTERNAL,
  );
  const security = SECURITY[spec.auth];
  const parameters = [
    ...(spec.params ?? []).map(param),
    ...(spec.query ? queryParameters(spec.query.schema, spec.query.descriptions) : []),
  ];
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(security ? { security } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref(spec.body) } },
          },
        }
      : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        content: success.schema
          ? { 'application/json': { schema: ref(success.schema) } }
          : { [success.mediaType ?? 'text/plain']: { schema: { type: 'string' } } },
      },
      ...spec.extra,
      ...errorResponses(errors, spec.auth === 'admin'),
    },
  };
}

const DESCRIPTION = [
  'The TinySaver farm: register ONNX models and WebDataset datasets, search each base model’s',
  'best savers (cheaper models that answer first), and run cascades for real.',
  '',
  'Authentication: `Authorization: Bearer <tenant key>` on every route but `/health`; a tenant',
  'sees only its own documents (another tenant’s are 404). `/metrics` and `/admin/queues` take an',
  'admin key instead (Bearer, or the password of HTTP Basic).',
  '',
  'Every failure is `{ "error": { "code", "message" } }`; the codes each route can answer with are',
  'listed under its responses. Any route may also answer 404 `route-not-found` (no such route).',
  'Unknown fields in bodies and unknown query parameters are refused (400 `invalid-request`).',
  'Writes (POST, DELETE) are limited per tenant per minute: 429 `rate-limited` with `Retry-After`.',
].join('\n');

/** The OpenAPI 3.1 document of the API (deterministic: equal on every call). */
export function buildOpenApiDocument(): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const spec of OPERATIONS) (paths[spec.path] ??= {})[spec.method] = operation(spec);
  const requestSchemas: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(REQUEST_BODIES))
    requestSchemas[id] = jsonSchema(schema, 'input');
  const schemas = responseSchemas();
  for (const id of Object.keys(requestSchemas))
    if (id in schemas) throw new Error(`schema id ${id} is both a request and a response schema`);
  return {
    openapi: '3.1.0',
    info: { title: 'TinySaver Farm API', version: API_VERSION, description: DESCRIPTION },
    tags: [
      {
        name: 'health',
        description: 'Probes: readiness (Redis and S3 answer) and liveness (no key).',
      },
      { name: 'models', description: 'ONNX models and their profiles.' },
      { name: 'datasets', description: 'WebDataset shards with labels.' },
      { name: 'searches', description: 'Saver searches, results, curves and what-if answers.' },
      { name: 'cascade-runs', description: 'Cascades run for real, against their simulation.' },
      { name: 'admin', description: 'Operators only: admin keys (ADMIN_KEYS).' },
    ],
    security: [{ tenantKey: [] }],
    paths,
    components: {
      securitySchemes: {
        tenantKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A tenant API key (API_KEYS): `Authorization: Bearer <key>`.',
        },
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin key (ADMIN_KEYS): `Authorization: Bearer <key>`.',
        },
        adminBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'An admin key as the password of HTTP Basic (any user name).',
        },
      },
      parameters: PATH_PARAMETERS,
      schemas: { ...requestSchemas, ...schemas },
    },
  };
}

/** The (method, OpenAPI path template) of every documented operation. */
export function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}
