import { ApiError, badRequest } from '../common/api-error';
import type { DatasetDocument } from '../datasets/dataset-document';
import type { ModelView } from '../models/model-document';
import type { SearchBody } from './search-request';

/** A ready model as a search uses it. */
export interface PlannedModel {
  readonly name: string;
  readonly macs: number;
  readonly classes: number;
}

/** What a search will compute: each base with its strictly cheaper savers (METHOD §4). */
export interface SearchPlan {
  readonly bases: readonly { readonly name: string; readonly savers: readonly string[] }[];
  /** Every model whose records the search needs (bases and savers), cheapest first. */
  readonly models: readonly PlannedModel[];
}

/**
 * Checks a search request against the tenant's models and datasets and decides the pairs. Every
 * problem is a 4xx naming what to fix; with `"all-cheaper"` a base with no cheaper model simply
 * gets no savers, while an explicit saver list that leaves a base without one is refused.
 */
export function planSearch(
  body: SearchBody,
  models: ReadonlyMap<string, ModelView>,
  datasets: ReadonlyMap<string, DatasetDocument>,
): SearchPlan {
  const unknownDatasets = [body.selection, body.evaluation].filter((d) => !datasets.has(d));
  if (unknownDatasets.length)
    throw badRequest(
      'unknown-dataset',
      `No dataset named ${[...new Set(unknownDatasets)].map((d) => `'${d}'`).join(', ')}; register it with POST /v1/datasets first.`,
    );
  const named = [...body.bases, ...(body.savers === 'all-cheaper' ? [] : body.savers)];
  const unknown = [...new Set(named.filter((n) => !models.has(n)))];
  if (unknown.length)
    throw badRequest(
      'unknown-model',
      `No model named ${unknown.map((n) => `'${n}'`).join(', ')}; register it with POST /v1/models first.`,
    );
  const ready = (name: string): PlannedModel => {
    const view = models.get(name)!;
    if (view.status !== 'ready' || !view.profile)
      throw new ApiError(
        409,
        'model-not-ready',
        `Model '${name}' is ${view.status}${view.reason ? ` (${view.reason.code})` : ''}; wait until it is ready${view.status === 'invalid' ? ', or register a fixed file' : ''}.`,
      );
    return { name, macs: view.profile.macs, classes: view.profile.classes };
  };
  const bases = body.bases.map(ready);
  const candidates =
    body.savers === 'all-cheaper'
      ? [...models.values()]
          .filter((m) => m.status === 'ready' && m.profile)
          .map((m) => ready(m.name))
      : body.savers.map(ready);
  for (const dataset of new Set([body.selection, body.evaluation])) {
    const classes = datasets.get(dataset)!.numClasses;
    const off = [...bases, ...candidates].find((m) => m.classes !== classes);
    if (off)
      throw badRequest(
        'classes-mismatch',
        `Model '${off.name}' has ${off.classes} classes but dataset '${dataset}' has ${classes}; pair datasets with models of the same classes.`,
      );
  }
  const planned = bases.map((base) => {
    const savers = candidates
      .filter((s) => s.macs < base.macs)
      .sort((a, b) => a.macs - b.macs || (a.name < b.name ? -1 : 1));
    if (savers.length === 0 && body.savers !== 'all-cheaper')
      throw badRequest(
        'no-cheaper-saver',
        `Base '${base.name}' (${base.macs} MACs) has no strictly cheaper saver among ${body.savers.map((s) => `'${s}'`).join(', ')}; add a cheaper saver or drop that base.`,
      );
    return { base, savers };
  });
  const needed = new Map<string, PlannedModel>();
  for (const { base, savers } of planned) for (const m of [base, ...savers]) needed.set(m.name, m);
  return {
    bases: planned.map(({ base, savers }) => ({
      name: base.name,
      savers: savers.map((s) => s.name),
    })),
    models: [...needed.values()].sort((a, b) => a.macs - b.macs || (a.name < b.name ? -1 : 1)),
  };
}
