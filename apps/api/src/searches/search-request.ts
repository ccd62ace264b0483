import { DEFAULT_BUDGETS } from '@tinysaver/cascade';
import { z } from 'zod';
import { NAME } from '../models/model-request';

const distinct = (names: readonly string[]) => new Set(names).size === names.length;

/** `POST /v1/searches` (issue 5). Budgets are accuracy drops in percentage points. */
export const SearchBody = z
  .object({
    bases: z.array(NAME).min(1).max(256).refine(distinct, { message: 'bases lists a name twice' }),
    savers: z
      .union([z.literal('all-cheaper'), z.array(NAME).min(1).max(256)])
      .default('all-cheaper')
      .refine((s) => s === 'all-cheaper' || distinct(s), { message: 'savers lists a name twice' }),
    selection: NAME,
    evaluation: NAME,
    budgets: z
      .array(
        z
          .number()
          .min(0, 'budgets are accuracy drops from 0 to 100 points')
          .max(100, 'budgets are accuracy drops from 0 to 100 points'),
      )
      .min(1)
      .max(20)
      .default([...DEFAULT_BUDGETS]),
    topK: z.number().int().min(1).max(50).default(5),
    chains: z.boolean().default(false),
  })
  .strict();
export type SearchBody = z.infer<typeof SearchBody>;
