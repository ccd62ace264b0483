import { canonicalPreprocess } from '@tinysaver/cascade';
import type { DatasetSnapshot, ProfiledModelRef, SearchSpec } from '@tinysaver/contracts';
import type { RecordSource, SplitSource } from '@tinysaver/storage';
import { z } from 'zod';
import { notFound } from '../common/api-error';
import type { PairSource } from '../analysis/analysis-protocol';

export type { CurveView, WhatIfView } from '@tinysaver/contracts';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `GET …/curves/{base}/{saver}?split=&exact=`: the evaluation split's grid curve by default. */
export const CurveQuery = z
  .object({
    split: z.enum(['selection', 'evaluation']).default('evaluation'),
    exact: flag.default(false),
  })
  .strict();
export type CurveQuery = z.infer<typeof CurveQuery>;

const unit = z.coerce.number().min(0, 'must be within [0, 1]').max(1, 'must be within [0, 1]');
const points = z.coerce
  .number()
  .min(0, 'is an accuracy drop from 0 to 100 points')
  .max(100, 'is an accuracy drop from 0 to 100 points');

/** `GET …/what-if/{base}/{saver}?threshold=` or `?budget=` (exactly one). */
export const WhatIfQuerySchema = z
  .object({ threshold: unit.optional(), budget: points.optional() })
  .strict()
  .refine((q) => (q.threshold === undefined) !== (q.budget === undefined), {
    message: 'give exactly one of threshold (0–1) or budget (accuracy drop in points)',
  });
export type WhatIfQueryParams = z.infer<typeof WhatIfQuerySchema>;

export function recordSource(model: ProfiledModelRef): RecordSource {
  return {
    name: model.name,
    sha256: model.sha256,
    preprocess: canonicalPreprocess(model.preprocess),
    macs: model.macs,
  };
}

export function splitSource(dataset: DatasetSnapshot): SplitSource {
  return { name: dataset.name, shards: dataset.shards.map((s) => ({ id: s.id, etag: s.etag })) };
}

/** The pair as the search planned it; 404 when the search never paired these two. */
export function planned(spec: SearchSpec, base: string, saver: string): PairSource {
  const entry = spec.plan.find((p) => p.base === base);
  if (!entry)
    throw notFound(
      'pair-not-in-search',
      `'${base}' is not a base of search '${spec.id}'; its bases are ${spec.plan.map((p) => `'${p.base}'`).join(', ')}.`,
    );
  if (!entry.savers.includes(saver))
    throw notFound(
      'pair-not-in-search',
      `'${saver}' is not a candidate saver of base '${base}' in search '${spec.id}'` +
        (entry.savers.length
          ? `; its candidates are ${entry.savers.map((s) => `'${s}'`).join(', ')}.`
          : '; that base has no cheaper saver.'),
    );
  const model = (name: string) => spec.models.find((m) => m.name === name)!;
  return { saver: recordSource(model(saver)), base: recordSource(model(base)) };
}
