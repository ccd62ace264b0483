import { z } from 'zod';
import { NAME } from '../models/model-request';

/** `POST /v1/datasets`: a prefix of WebDataset shards inside the farm's bucket. */
export const RegisterDatasetBody = z
  .object({
    name: NAME,
    uri: z.string().max(2048),
    /** Needed when the prefix has no manifest.json to say how many classes there are. */
    numClasses: z.number().int().min(2).max(100_000).optional(),
  })
  .strict();
export type RegisterDatasetBody = z.infer<typeof RegisterDatasetBody>;

/** One shard, pinned to the ETag it had at registration (workers read it with If-Match). */
export interface DatasetShard {
  readonly id: string;
  readonly key: string;
  readonly etag: string;
  readonly bytes: number;
  /** From the manifest, when there is one. */
  readonly samples?: number;
}

/** `dataset.json`: a tenant's registered dataset (durable, in S3). */
export interface DatasetDocument {
  readonly name: string;
  readonly uri: string;
  readonly bucket: string;
  readonly numClasses: number;
  readonly classes?: readonly string[];
  readonly samples?: number;
  readonly shards: readonly DatasetShard[];
  readonly registeredAt: string;
}
