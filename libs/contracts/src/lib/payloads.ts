import {
  CHANNEL_ORDERS,
  INTERPOLATIONS,
  TENSOR_LAYOUTS,
  canonicalPreprocess,
  resolvePreprocess,
  type ResolvedPreprocess,
} from '@tinysaver/cascade';
import { z } from 'zod';
import { ContractError, ContractErrorCode } from './contract-error';
import { QueueName } from './queues';

/** Bumped when a payload changes shape; a worker refuses versions it does not know. */
export const PAYLOAD_VERSION = 1;

export const NameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'use 1–128 letters, digits, ".", "_" or "-"');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** An object in the farm's bucket. */
export const ObjectRefSchema = z.object({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

/** A resolved preprocessing (every field present; see resolvePreprocess in libs/cascade). */
export const PreprocessSchema = z
  .object({
    inputSize: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    interpolation: z.enum(INTERPOLATIONS),
    cropPct: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
    channels: z.enum(CHANNEL_ORDERS),
    layout: z.enum(TENSOR_LAYOUTS),
  })
  .transform((p, ctx): ResolvedPreprocess => {
    try {
      const resolved = resolvePreprocess(p);
      // A payload must carry the resolved form, so the worker and the API key records alike.
      if (canonicalPreprocess(resolved) !== canonicalPreprocess(p)) throw new Error('not resolved');
      return resolved;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A registered model as jobs see it: content identity, where its bytes are, how to feed it. */
export const ModelRefSchema = z.object({
  name: NameSchema,
  sha256,
  object: ObjectRefSchema,
  preprocess: PreprocessSchema,
});
export type ModelRef = z.infer<typeof ModelRefSchema>;

/** A profiled model: records need its MACs and class count. */
export const ProfiledModelRefSchema = ModelRefSchema.extend({
  macs: z.number().int().positive(),
  numClasses: z.number().int().min(2).max(100_000),
});
export type ProfiledModelRef = z.infer<typeof ProfiledModelRefSchema>;

/** One shard of a dataset, pinned to the content it had when the dataset was registered. */
export const ShardRefSchema = z.object({
  /** The shard's name inside its dataset (its file name), used in messages and records. */
  id: z.string().min(1).max(512),
  object: ObjectRefSchema,
  /** ETag at registration; the worker reads with If-Match so a changed object is refused. */
  etag: z.string().min(1).max(128),
});
export type ShardRef = z.infer<typeof ShardRefSchema>;

const DatasetRefSchema = z.object({ name: NameSchema });

export const ProfileJobSchema = z.object({
  v: z.literal(PAYLOAD_VERSION),
  tenant: NameSchema,
  model: ModelRefSchema,
});
export type ProfileJob = z.infer<typeof ProfileJobSchema>;

export const RecordsJobSchema = z.object({
  v: z.literal(PAYLOAD_VERSION),
  dataset: DatasetRefSchema,
  shard: ShardRefSchema,
  /** Every model that needs this shard; the worker skips those whose record already exists. */
  models: z
    .array(ProfiledModelRefSchema)
    .min(1)
    .max(256)
    .refine((models) => new Set(models.map((m) => m.sha256)).size === models.length, {
      message: 'lists the same model file twice',
    }),
});
export type RecordsJob = z.infer<typeof RecordsJobSchema>;

export const CascadeJobSchema = z
  .object({
    v: z.literal(PAYLOAD_VERSION),
    tenant: NameSchema,
    runId: NameSchema,
    dataset: DatasetRefSchema,
    shard: ShardRefSchema,
    saver: ProfiledModelRefSchema,
    base: ProfiledModelRefSchema,
    /** Exit iff the saver's float32 top-1 probability is > threshold (METHOD §1). */
    threshold: z.number().min(0).max(1),
    /** Also run the base on every sample, to measure the realised speed-up against it. */
    baseline: z.boolean().default(true),
  })
  .refine((job) => job.saver.macs < job.base.macs, {
    message: 'the saver must have strictly fewer MACs than the base (METHOD §1)',
    path: ['saver', 'macs'],
  });
export type CascadeJob = z.infer<typeof CascadeJobSchema>;
export type CascadeJobInput = z.input<typeof CascadeJobSchema>;

/** Aggregates a search whose spec is in S3 (the durable source: Redis only holds this pointer). */
export const AggregateJobSchema = z.object({
  v: z.literal(PAYLOAD_VERSION),
  tenant: NameSchema,
  searchId: NameSchema,
});
export type AggregateJob = z.infer<typeof AggregateJobSchema>;

export const JOB_SCHEMAS = {
  [QueueName.Profile]: ProfileJobSchema,
  [QueueName.Records]: RecordsJobSchema,
  [QueueName.Cascade]: CascadeJobSchema,
  [QueueName.Aggregate]: AggregateJobSchema,
} as const;

export interface JobPayloads {
  [QueueName.Profile]: ProfileJob;
  [QueueName.Records]: RecordsJob;
  [QueueName.Cascade]: CascadeJob;
  [QueueName.Aggregate]: AggregateJob;
}

/**
 * Checks a payload against its queue's schema — when enqueued and again when received, because
 * queues outlive deploys. Throws {@link ContractError} naming every bad field.
 */
export function parseJobPayload<Q extends QueueName>(queue: Q, data: unknown): JobPayloads[Q] {
  const result = JOB_SCHEMAS[queue].safeParse(data);
  if (result.success) return result.data as JobPayloads[Q];
  const problems = result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
  throw new ContractError(
    ContractErrorCode.PayloadInvalid,
    `${queue} job payload is invalid (${problems}). Producers must build payloads with this contracts module at version ${PAYLOAD_VERSION}.`,
  );
}
