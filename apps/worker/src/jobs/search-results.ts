import { buildSearchReport, canonicalPreprocess, type SplitOutcomes } from '@tinysaver/cascade';
import { searchSplits, type SearchResultsDocument, type SearchSpec } from '@tinysaver/contracts';
import { loadSplitOutcomes, type FarmLayout, type ReadObject } from '@tinysaver/storage';

export interface AggregationOptions {
  /** Resamples for the best saver's budget intervals; 0 = no intervals. */
  readonly bootstrapReplicates: number;
  /** Records the search needed and found already computed, for the document. */
  readonly records: { readonly needed: number; readonly reused: number };
  readonly now?: () => Date;
}

/**
 * A search's `results.json` from its records: every model's outcomes on both splits (aligned to
 * one sample order per split), ranked and read at the budgets by libs/cascade.
 */
export async function aggregateSearch(
  spec: SearchSpec,
  read: ReadObject,
  layout: FarmLayout,
  options: AggregationOptions,
): Promise<SearchResultsDocument> {
  const sources = spec.models.map((m) => ({
    name: m.name,
    sha256: m.sha256,
    preprocess: canonicalPreprocess(m.preprocess),
    macs: m.macs,
  }));
  const splits = searchSplits(spec);
  const loaded = await Promise.all(
    splits.map((split) => loadSplitOutcomes(read, layout, sources, split)),
  );
  const selection = loaded[0];
  const evaluation = loaded[loaded.length - 1];
  const outcomes = new Map<string, SplitOutcomes>(
    spec.models.map((m) => [
      m.name,
      { selection: selection.get(m.name)!, evaluation: evaluation.get(m.name)! },
    ]),
  );
  const bootstrap =
    options.bootstrapReplicates >= 2
      ? { replicates: options.bootstrapReplicates, seed: 1, level: 0.95 }
      : (false as const);
  const report = buildSearchReport({
    bases: spec.plan.map((p) => ({ name: p.base, savers: p.savers })),
    outcomes,
    budgets: spec.request.budgets,
    topK: spec.request.topK,
    chains: spec.request.chains,
    bootstrap,
  });
  const first = outcomes.get(spec.models[0].name)!;
  return {
    id: spec.id,
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    selection: { dataset: spec.selection.name, samples: first.selection.keys.length },
    evaluation: { dataset: spec.evaluation.name, samples: first.evaluation.keys.length },
    budgets: spec.request.budgets,
    topK: spec.request.topK,
    models: spec.models.map((m) => ({
      name: m.name,
      sha256: m.sha256,
      macs: m.macs,
      preprocess: m.preprocess,
    })),
    records: options.records,
    bootstrap,
    bases: report.bases,
  };
}
