// Response bodies as zod schemas, for the OpenAPI document only (the API never parses its own
// responses). Each mirrors a TypeScript interface the controllers return; the guards at the end
// make `tsc` fail when an interface or a controller's return type changes and its schema here
// does not, so the document cannot drift from the code unnoticed.
import { z } from 'zod';
import {
  CHANNEL_ORDERS,
  INTERPOLATIONS,
  TENSOR_LAYOUTS,
  type BaseReport,
  type BudgetReport,
  type ChainReport,
  type ChainSplit,
  type Interval,
  type MatchSummary,
  type ResolvedPreprocess,
  type SaverReport,
  type SplitPoint,
} from '@tinysaver/cascade';
import {
  EXECUTION_PROVIDERS,
  SEARCH_STATUSES,
  SearchRequestSchema,
  type SearchRequest,
  type SearchResultsDocument,
} from '@tinysaver/contracts';
import type { CascadeRunsController } from '../cascade-runs/cascade-runs.controller';
import type {
  CascadeRunResult,
  CascadeRunView,
  RealisedCascade,
  StageTotals,
} from '../cascade-runs/cascade-run-document';
import { CascadeRunBody } from '../cascade-runs/cascade-run-request';
import type { DatasetDocument, DatasetShard } from '../datasets/dataset-document';
import type { DatasetsController } from '../datasets/datasets.controller';
import type { HealthController } from '../health/health.controller';
import type { MetricsController } from '../metrics/metrics.controller';
import type { ModelView, UploadInstructions } from '../models/model-document';
import type { ModelsController } from '../models/models.controller';
import type { CurveView, WhatIfView } from '../searches/pair-queries';
import type { SearchView } from '../searches/search-view';
import type { SearchesController } from '../searches/searches.controller';

/** Metadata of the response schemas: those with an `id` become `components.schemas.<id>`. */
export const responseRegistry = z.registry<{ id?: string; description?: string }>();

/** A component schema: `#/components/schemas/<id>` wherever it is used. */
function named<S extends z.ZodType>(id: string, description: string, schema: S): S {
  responseRegistry.add(schema, { id, description });
  return schema;
}
/** A field's description (give it a schema made for that field: the description sticks to it). */
function about<S extends z.ZodType>(description: string, schema: S): S {
  // Adding again would replace a named schema's metadata, id included.
  if (responseRegistry.has(schema)) throw new Error(`'${description}': schema already described`);
  responseRegistry.add(schema, { description });
  return schema;
}

const count = () => z.number().int().min(0);
const fraction = (description: string) => about(description, z.number());
const timestamp = (description: string) => about(description, z.string());
const failure = () =>
  about(
    'Why it failed: the code and message of the failing job.',
    z.object({ code: z.string(), message: z.string() }),
  );

export const ErrorSchema = named(
  'Error',
  'Every failure: a stable machine-readable code and one sentence that names the fix.',
  z.object({
    error: z.object({
      code: about('Stable, machine-readable (see each response for the codes).', z.string()),
      message: about('One sentence for people: what went wrong and what to do.', z.string()),
    }),
  }),
);

export const HealthSchema = named(
  'Health',
  'Whether Redis and S3 answered (within 2 s each).',
  z.object({
    status: z.enum(['ok', 'degraded']),
    redis: about("'ok', or 'unavailable: <error name>'.", z.string()),
    s3: about("'ok', or 'unavailable: <error name>'.", z.string()),
  }),
);

export const LivenessSchema = named(
  'Liveness',
  'The process answers; nothing else is checked (a liveness probe).',
  z.object({ status: z.literal('ok') }),
);

const queueBacklog = () =>
  z.object({
    waiting: count(),
    prioritized: count(),
    active: about('In a worker now (counted so a scale-in keeps the busy ones).', count()),
  });

export const BacklogSchema = named(
  'Backlog',
  "Jobs that want a worker now, read from Redis: what an autoscaler (KEDA's metrics-api) scales on.",
  z.object({
    backlog: about('Sum of waiting, prioritized and active jobs of the queues asked for.', count()),
    queues: z
      .object({
        'tinysaver-profile': queueBacklog(),
        'tinysaver-records': queueBacklog(),
        'tinysaver-cascade': queueBacklog(),
        'tinysaver-aggregate': queueBacklog(),
      })
      .partial(),
  }),
);

// --- models ------------------------------------------------------------------------------------

export const ResolvedPreprocessSchema = named(
  'ResolvedPreprocess',
  'The preprocessing with every field decided (timm defaults filled in): records are keyed by it.',
  z.object({
    inputSize: about(
      '[C, H, W] of one image as the model takes it.',
      z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    ),
    interpolation: z.enum(INTERPOLATIONS),
    cropPct: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
    channels: z.enum(CHANNEL_ORDERS),
    layout: z.enum(TENSOR_LAYOUTS),
  }),
);

export const UploadInstructionsSchema = named(
  'UploadInstructions',
  'Where to upload a model registered without a URI: PUT the .onnx bytes to `url` before `expiresAt`.',
  z.object({ method: z.literal('PUT'), url: z.string(), expiresAt: z.string() }),
);

export const ModelViewSchema = named(
  'ModelView',
  'A registered model and where its profile job stands.',
  z.object({
    name: z.string(),
    uri: z.string(),
    sha256: about(
      'Of the registered bytes; absent while awaiting the upload.',
      z.string(),
    ).optional(),
    bytes: z.number().int().optional(),
    preprocess: ResolvedPreprocessSchema,
    registeredAt: timestamp('ISO 8601.'),
    status: z.enum(['awaiting-upload', 'profiling', 'ready', 'invalid']),
    upload: UploadInstructionsSchema.optional(),
    reason: about(
      'Why the model cannot be used (status `invalid`), with the failure code.',
      z.object({ code: z.string(), message: z.string() }),
    ).optional(),
    profile: about(
      'The profile (status `ready`).',
      z.object({
        macs: z.number(),
        flops: z.number(),
        params: z.number(),
        classes: z.number().int(),
        inputSize: z.array(z.number()),
        complete: z.boolean(),
        executionProvider: z.string(),
      }),
    ).optional(),
  }),
);

export const ModelListSchema = named(
  'ModelList',
  "The tenant's models.",
  z.object({ models: z.array(ModelViewSchema) }),
);

// --- datasets ----------------------------------------------------------------------------------

export const DatasetShardSchema = named(
  'DatasetShard',
  'One shard, pinned to the ETag it had at registration.',
  z.object({
    id: z.string(),
    key: z.string(),
    etag: z.string(),
    bytes: count(),
    samples: about('From the manifest, when there is one.', count()).optional(),
  }),
);

export const DatasetDocumentSchema = named(
  'Dataset',
  'A registered dataset: WebDataset shards under a prefix of the farm bucket.',
  z.object({
    name: z.string(),
    uri: z.string(),
    bucket: z.string(),
    numClasses: z.number().int(),
    classes: z.array(z.string()).optional(),
    samples: count().optional(),
    shards: z.array(DatasetShardSchema),
    registeredAt: timestamp('ISO 8601.'),
  }),
);

export const DatasetListSchema = named(
  'DatasetList',
  "The tenant's datasets.",
  z.object({ datasets: z.array(DatasetDocumentSchema) }),
);

// --- searches ----------------------------------------------------------------------------------

responseRegistry.add(SearchRequestSchema, {
  id: 'SearchRequest',
  description: 'The search as submitted, defaults filled in.',
});

export const SearchViewSchema = named(
  'Search',
  'A search and where it stands.',
  z.object({
    id: z.string(),
    status: z.enum(SEARCH_STATUSES),
    progress: about(
      'Records present out of needed; `aggregating` once all exist and the analysis runs.',
      z.object({
        done: count(),
        total: count(),
        phase: z.enum(['records', 'aggregating', 'done']),
      }),
    ),
    createdAt: timestamp('ISO 8601.'),
    endedAt: timestamp('ISO 8601; once completed, failed or cancelled.').optional(),
    error: failure().optional(),
    request: SearchRequestSchema,
  }),
);

export const SearchListSchema = named(
  'SearchList',
  "The tenant's searches, newest first.",
  z.object({ searches: z.array(SearchViewSchema) }),
);

const splitPointShape = {
  threshold: about('τ: a sample exits iff the saver’s top-1 probability is > τ.', z.number()),
  exits: count(),
  correct: count(),
  exitRatio: fraction('Exits over samples.'),
  accuracy: fraction('Cascade accuracy (fraction).'),
  relativeCost: fraction('R: cascade MACs over base-alone MACs.'),
  deltaC: about('ΔC = R − 1; negative means the saver pays off.', z.number()),
  accuracyDrop: about('Base accuracy minus cascade accuracy, in percentage points.', z.number()),
};

export const SplitPointSchema = named(
  'SplitPoint',
  "One threshold's reading on one split.",
  z.object(splitPointShape),
);

export const MatchSummarySchema = named(
  'MatchSummary',
  "Procedure A's row (METHOD §3) on the selection split.",
  z.object({
    ...splitPointShape,
    exitAccuracy: fraction('Saver accuracy on the exit set (0 when it is empty).'),
    baseAccuracyOnExits: fraction('Base accuracy on the same exit set.'),
  }),
);

export const IntervalSchema = named(
  'Interval',
  'A bootstrap interval around the estimate.',
  z.object({ estimate: z.number(), low: z.number(), high: z.number() }),
);

export const BudgetReportSchema = named(
  'BudgetReport',
  'One accuracy-drop budget: the threshold chosen on the selection split, read on the ' +
    'evaluation split; `oracle` is the evaluation split read at a threshold chosen on itself ' +
    '(the research code’s reading).',
  z.object({
    drop: about('The budget, in percentage points.', z.number()),
    threshold: z.number(),
    selection: SplitPointSchema,
    evaluation: SplitPointSchema,
    oracle: SplitPointSchema,
    ci: about(
      'Bootstrap on the evaluation split at `threshold`; rank-1 saver only.',
      z.object({
        level: z.number(),
        replicates: z.number().int(),
        seed: z.number().int(),
        accuracyDrop: IntervalSchema,
        computeSaving: IntervalSchema,
      }),
    ).optional(),
  }),
);

export const SaverReportSchema = named(
  'SaverReport',
  'A candidate saver of a base, ranked by ΔC on the selection split.',
  z.object({
    model: z.string(),
    macs: z.number(),
    rank: z.number().int().min(1),
    deltaC: z.number(),
    useful: z.boolean(),
    match: MatchSummarySchema,
    matchSafe: MatchSummarySchema,
    evaluationAtMatch: SplitPointSchema,
    budgets: z.array(BudgetReportSchema),
  }),
);

export const ChainSplitSchema = named(
  'ChainSplit',
  'What a chain of savers answers and costs on one split.',
  z.object({
    accuracy: z.number(),
    relativeCost: z.number(),
    answeredRatio: about(
      'Per enabled exit in chain order, then the base (last entry).',
      z.array(z.number()),
    ),
  }),
);

export const ChainReportSchema = named(
  'ChainReport',
  "The greedy chain over the base's ranked savers (METHOD §6).",
  z.object({
    exits: z.array(
      z.object({
        saver: z.string(),
        enabled: z.boolean(),
        threshold: z.number(),
        exitRatio: z.number(),
        passRatio: z.number(),
        deltaC: z.number(),
      }),
    ),
    selection: ChainSplitSchema,
    evaluation: ChainSplitSchema,
  }),
);

export const BaseReportSchema = named(
  'BaseReport',
  'One base model with its ranked savers.',
  z.object({
    model: z.string(),
    macs: z.number(),
    accuracy: z.object({ selection: z.number(), evaluation: z.number() }),
    samples: z.object({ selection: count(), evaluation: count() }),
    best: about('The rank-1 saver; null when the base has no candidate.', z.string().nullable()),
    savers: z.array(SaverReportSchema),
    chain: ChainReportSchema.optional(),
  }),
);

export const SearchResultsSchema = named(
  'SearchResults',
  'Ranked savers per base (METHOD §4–5); accuracies as fractions, drops in points.',
  z.object({
    id: z.string(),
    generatedAt: timestamp('ISO 8601.'),
    selection: z.object({ dataset: z.string(), samples: count() }),
    evaluation: z.object({ dataset: z.string(), samples: count() }),
    budgets: z.array(z.number()),
    topK: z.number().int(),
    models: z.array(
      z.object({
        name: z.string(),
        sha256: z.string(),
        macs: z.number(),
        preprocess: ResolvedPreprocessSchema,
      }),
    ),
    records: z.object({ needed: count(), reused: count() }),
    bootstrap: z.union([
      z.literal(false),
      z.object({ replicates: z.number().int(), seed: z.number().int(), level: z.number() }),
    ]),
    bases: z.array(BaseReportSchema),
  }),
);

export const CurveViewSchema = named(
  'Curve',
  "A pair's trade-off curve, one array per field: row i of every column is point i.",
  z.object({
    search: z.string(),
    base: z.string(),
    saver: z.string(),
    split: z.enum(['selection', 'evaluation']),
    dataset: z.string(),
    exact: z.boolean(),
    threshold: z.array(z.number()),
    exits: z.array(z.number()),
    correct: z.array(z.number()),
    exitRatio: z.array(z.number()),
    accuracy: z.array(z.number()),
    relativeCost: z.array(z.number()),
    deltaC: z.array(z.number()),
    frontier: about('Indices of the Pareto-frontier points, cheapest first.', z.array(z.number())),
  }),
);

export const WhatIfViewSchema = named(
  'WhatIf',
  'Both splits read at one threshold (given, or chosen on selection for a budget).',
  z.object({
    search: z.string(),
    base: z.string(),
    saver: z.string(),
    threshold: z.number(),
    chosenOn: about(
      'Set when the threshold was chosen for a budget.',
      z.literal('selection'),
    ).optional(),
    selection: SplitPointSchema,
    evaluation: SplitPointSchema,
  }),
);

// --- cascade runs ------------------------------------------------------------------------------

responseRegistry.add(CascadeRunBody, {
  id: 'CascadeRunRequest',
  description: 'The cascade run as submitted, defaults filled in.',
});

export const StageTotalsSchema = named(
  'StageTotals',
  "One model's share of a realised cascade, summed over the shards.",
  z.object({
    model: z.string(),
    samples: count(),
    correct: count(),
    macs: z.number(),
    wallMs: z.number(),
    executionProviders: z.array(z.enum(EXECUTION_PROVIDERS)),
  }),
);

export const RealisedCascadeSchema = named(
  'RealisedCascade',
  "The run's realised numbers, summed over its shards: `base` is the base on the samples that " +
    'did not exit, `baseline` the base alone on every sample (when asked for).',
  z.object({
    samples: count(),
    exits: count(),
    exitRatio: z.number(),
    correct: count(),
    accuracy: z.number(),
    relativeCost: fraction('Cascade MACs over base-alone MACs.'),
    macs: z.number(),
    wallMs: z.number(),
    saver: StageTotalsSchema,
    base: StageTotalsSchema,
    baseline: StageTotalsSchema.optional(),
    speedup: about('Base-alone wall time over cascade wall time.', z.number()).optional(),
  }),
);

export const CascadeRunResultSchema = named(
  'CascadeRunResult',
  'Realised against simulated (from the two models’ records).',
  z.object({
    realised: RealisedCascadeSchema,
    simulated: SplitPointSchema,
    difference: about(
      'Realised minus simulated: zero when the records predict the deployment exactly.',
      z.object({ exits: z.number(), correct: z.number() }),
    ),
  }),
);

export const CascadeRunViewSchema = named(
  'CascadeRun',
  'A cascade run and where it stands.',
  z.object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    progress: z.object({ shards: count(), total: count(), records: z.boolean() }),
    createdAt: timestamp('ISO 8601.'),
    request: CascadeRunBody,
    result: CascadeRunResultSchema.optional(),
    error: failure().optional(),
  }),
);

export const CascadeRunListSchema = named(
  'CascadeRunList',
  "The tenant's cascade runs, newest first.",
  z.object({ cascadeRuns: z.array(CascadeRunViewSchema) }),
);

// --- drift guards ------------------------------------------------------------------------------

/** Deep structural form without `readonly`, so a zod output type and an interface compare. */
type Plain<T> = T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
/**
 * True when A and B are the same type (each field, optional or not, of the same type, at every
 * depth; `readonly` aside). Stricter than mutual assignability, which would miss an optional
 * field added on one side only.
 */
export type Same<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;
/** Compiles only when given `true`. */
type Assert<T extends true> = T;
type Out<S extends z.ZodType> = z.output<S>;
type Returns<M extends (...args: never[]) => unknown> = Awaited<ReturnType<M>>;

/** Health's return type is inferred and widened (status: string): same keys, narrower values. */
type HealthBody = Returns<HealthController['health']>;
type Narrows<A, B> = [A] extends [B] ? Same<keyof A, keyof B> : false;

/** Fails `tsc` when a response type changes and its schema above is not changed to match. */
export type ResponseSchemaGuards = [
  // The interfaces the schemas mirror, part by part.
  Assert<Same<Out<typeof ResolvedPreprocessSchema>, ResolvedPreprocess>>,
  Assert<Same<Out<typeof UploadInstructionsSchema>, UploadInstructions>>,
  Assert<Same<Out<typeof ModelViewSchema>, ModelView>>,
  Assert<Same<Out<typeof DatasetShardSchema>, DatasetShard>>,
  Assert<Same<Out<typeof DatasetDocumentSchema>, DatasetDocument>>,
  Assert<Same<Out<typeof SearchRequestSchema>, SearchRequest>>,
  Assert<Same<Out<typeof SearchViewSchema>, SearchView>>,
  Assert<Same<Out<typeof SplitPointSchema>, SplitPoint>>,
  Assert<Same<Out<typeof MatchSummarySchema>, MatchSummary>>,
  Assert<Same<Out<typeof IntervalSchema>, Interval>>,
  Assert<Same<Out<typeof BudgetReportSchema>, BudgetReport>>,
  Assert<Same<Out<typeof SaverReportSchema>, SaverReport>>,
  Assert<Same<Out<typeof ChainSplitSchema>, ChainSplit>>,
  Assert<Same<Out<typeof ChainReportSchema>, ChainReport>>,
  Assert<Same<Out<typeof BaseReportSchema>, BaseReport>>,
  Assert<Same<Out<typeof SearchResultsSchema>, SearchResultsDocument>>,
  Assert<Same<Out<typeof CurveViewSchema>, CurveView>>,
  Assert<Same<Out<typeof WhatIfViewSchema>, WhatIfView>>,
  Assert<Same<Out<typeof StageTotalsSchema>, StageTotals>>,
  Assert<Same<Out<typeof RealisedCascadeSchema>, RealisedCascade>>,
  Assert<Same<Out<typeof CascadeRunResultSchema>, CascadeRunResult>>,
  Assert<Same<Out<typeof CascadeRunViewSchema>, CascadeRunView>>,
  // What each controller method actually returns.
  Assert<Narrows<Out<typeof HealthSchema>, HealthBody>>,
  Assert<Same<Out<typeof LivenessSchema>, Returns<HealthController['live']>>>,
  Assert<Same<Out<typeof BacklogSchema>, Returns<MetricsController['backlog']>>>,
  Assert<Same<Out<typeof ModelViewSchema>, Returns<ModelsController['register']>>>,
  Assert<Same<Out<typeof ModelListSchema>, Returns<ModelsController['list']>>>,
  Assert<Same<Out<typeof ModelViewSchema>, Returns<ModelsController['get']>>>,
  Assert<Same<Out<typeof DatasetDocumentSchema>, Returns<DatasetsController['register']>>>,
  Assert<Same<Out<typeof DatasetListSchema>, Returns<DatasetsController['list']>>>,
  Assert<Same<Out<typeof DatasetDocumentSchema>, Returns<DatasetsController['get']>>>,
  Assert<Same<Out<typeof SearchViewSchema>, Returns<SearchesController['submit']>>>,
  Assert<Same<Out<typeof SearchListSchema>, Returns<SearchesController['list']>>>,
  Assert<Same<Out<typeof SearchViewSchema>, Returns<SearchesController['get']>>>,
  Assert<Same<Out<typeof SearchViewSchema>, Returns<SearchesController['cancel']>>>,
  Assert<Same<Out<typeof SearchResultsSchema>, Returns<SearchesController['results']>>>,
  Assert<Same<Out<typeof CurveViewSchema>, Returns<SearchesController['curve']>>>,
  Assert<Same<Out<typeof WhatIfViewSchema>, Returns<SearchesController['whatIf']>>>,
  Assert<Same<Out<typeof CascadeRunViewSchema>, Returns<CascadeRunsController['submit']>>>,
  Assert<Same<Out<typeof CascadeRunListSchema>, Returns<CascadeRunsController['list']>>>,
  Assert<Same<Out<typeof CascadeRunViewSchema>, Returns<CascadeRunsController['get']>>>,
];
