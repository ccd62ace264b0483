// A search's durable documents. The API writes the spec once; the aggregate job (worker) reads it,
// queues missing records, aggregates and writes the results and the final status. Redis holds only
// the job that points at the spec, so a search survives losing Redis.
import type { BaseReport } from '@tinysaver/cascade';
import { z } from 'zod';
import { NameSchema, ObjectRefSchema, ProfiledModelRefSchema } from './payloads';

export const SEARCH_SPEC_VERSION = 1;

/** A dataset as the search saw it: shards pinned to their ETags at submission. */
export const DatasetSnapshotSchema = z.object({
  name: NameSchema,
  numClasses: z.number().int().min(2),
  shards: z
    .array(
      z.object({
        id: z.string().min(1).max(512),
        object: ObjectRefSchema,
        etag: z.string().min(1).max(128),
      }),
    )
    .min(1),
});
export type DatasetSnapshot = z.infer<typeof DatasetSnapshotSchema>;

export const SearchRequestSchema = z.object({
  bases: z.array(NameSchema).min(1),
  savers: z.union([z.literal('all-cheaper'), z.array(NameSchema)]),
  selection: NameSchema,
  evaluation: NameSchema,
  budgets: z.array(z.number().min(0).max(100)).min(1),
  topK: z.number().int().min(1),
  chains: z.boolean(),
});
export type SearchRequest = z.infer<typeof SearchRequestSchema>;

/** `search.json`: what was asked, and the models and shards it resolved to. Immutable. */
export const SearchSpecSchema = z.object({
  v: z.literal(SEARCH_SPEC_VERSION),
  id: NameSchema,
  tenant: NameSchema,
  createdAt: z.string(),
  request: SearchRequestSchema,
  /** Each base with its strictly cheaper candidate savers, cheapest first. */
  plan: z.array(z.object({ base: NameSchema, savers: z.array(NameSchema) })).min(1),
  /** Every model the plan names, pinned to the file (sha256) and profile it had. */
  models: z.array(ProfiledModelRefSchema).min(1),
  selection: DatasetSnapshotSchema,
  evaluation: DatasetSnapshotSchema,
});
export type SearchSpec = z.infer<typeof SearchSpecSchema>;

export const SEARCH_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];

/** `status.json`: written once, when a search ends. Its absence means the search is live. */
export interface SearchEndDocument {
  readonly status: Extract<SearchStatus, 'completed' | 'failed' | 'cancelled'>;
  readonly at: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The aggregate job's progress (BullMQ progress object): records present out of needed. */
export interface SearchProgress {
  readonly phase: 'records' | 'aggregating';
  readonly done: number;
  readonly total: number;
}

/** The aggregate job's own bookkeeping, kept in its data beside the payload. */
export interface AggregateJobState {
  /** Records jobs this search queued or retried: their failure ends the search. */
  readonly submitted?: readonly string[];
  /**
   * The submitted jobs still watched each turn, with the shard etag each computes on: a job
   * leaves once it completed and its shard has nothing missing, so a turn costs one state read
   * per outstanding job, not per job the search ever queued.
   */
  readonly watching?: Readonly<Record<string, string>>;
  /** Records present when the search first looked: the work it did not have to do. */
  readonly presentAtStart?: number;
}

/** `results.json`: ranked savers per base (METHOD §4–5), accuracies as fractions, drops in points. */
export interface SearchResultsDocument {
  readonly id: string;
  readonly generatedAt: string;
  readonly selection: { readonly dataset: string; readonly samples: number };
  readonly evaluation: { readonly dataset: string; readonly samples: number };
  readonly budgets: readonly number[];
  readonly topK: number;
  readonly models: readonly {
    readonly name: string;
    readonly sha256: string;
    readonly macs: number;
    readonly preprocess: ProfiledModelRefPreprocess;
  }[];
  /** Records the search needed, and how many already existed when it started. */
  readonly records: { readonly needed: number; readonly reused: number };
  readonly bootstrap:
    false | { readonly replicates: number; readonly seed: number; readonly level: number };
  readonly bases: readonly BaseReport[];
}
type ProfiledModelRefPreprocess = z.infer<typeof ProfiledModelRefSchema>['preprocess'];

/** The datasets a search reads: selection then evaluation, once when they are the same. */
export function searchSplits(
  spec: Pick<SearchSpec, 'selection' | 'evaluation'>,
): DatasetSnapshot[] {
  const same =
    spec.selection.name === spec.evaluation.name &&
    JSON.stringify(spec.selection.shards) === JSON.stringify(spec.evaluation.shards);
  return same ? [spec.selection] : [spec.selection, spec.evaluation];
}

/** (model, shard) records a search needs: its progress total. */
export function recordsNeeded(
  spec: Pick<SearchSpec, 'selection' | 'evaluation' | 'models'>,
): number {
  return searchSplits(spec).reduce((n, d) => n + d.shards.length, 0) * spec.models.length;
}
