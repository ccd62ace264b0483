import { z } from 'zod';

export type { DatasetDocument, DatasetShard } from '@tinysaver/contracts';
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
