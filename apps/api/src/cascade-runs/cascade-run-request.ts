import { z } from 'zod';
import { NAME } from '../models/model-request';

/** `POST /v1/cascade-runs`: run a saver → base cascade for real on a dataset. */
export const CascadeRunBody = z
  .object({
    base: NAME,
    saver: NAME,
    /** Exit iff the saver's top-1 probability is > threshold (METHOD §1). */
    threshold: z
      .number()
      .min(0, 'is a confidence from 0 to 1')
      .max(1, 'is a confidence from 0 to 1'),
    dataset: NAME,
    /** Also run the base alone on everything, to measure the realised speed-up. */
    baseline: z.boolean().default(true),
  })
  .strict();
export type CascadeRunBody = z.infer<typeof CascadeRunBody>;
