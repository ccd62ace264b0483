// A small search, computed with libs/cascade from seeded synthetic outcomes, for the report's
// tests: real ranked savers, budgets, intervals, a chain, curves and a cascade run.
import {
  buildSearchReport,
  gridCurve,
  makeOutcomes,
  resolvePreprocess,
  seededRandom,
  type ModelOutcomes,
} from '@tinysaver/cascade';
import type { CascadeRunView, CurveView, SearchResultsDocument } from '@tinysaver/contracts';

export interface SampleModel {
  readonly name: string;
  readonly macs: number;
  /** Chance of a right answer. */
  readonly skill: number;
}

export interface SampleSearch {
  readonly results: SearchResultsDocument;
  readonly curves: CurveView[];
  readonly cascadeRuns: CascadeRunView[];
}

export const SAMPLE_MODELS: readonly SampleModel[] = [
  { name: 'tiny', macs: 1_000, skill: 0.7 },
  { name: 'small', macs: 8_000, skill: 0.8 },
  { name: 'mid', macs: 60_000, skill: 0.86 },
  { name: 'big', macs: 4_100_000_000, skill: 0.92 },
];

/** Outcomes of each model on a split of n samples: confident when right, mostly. */
function splitOutcomes(
  models: readonly SampleModel[],
  n: number,
  seed: number,
): Map<string, ModelOutcomes> {
  const next = seededRandom(seed);
  const uniform = () => next() / 2 ** 32;
  const keys = Array.from({ length: n }, (_, i) => `s${i}`);
  return new Map(
    models.map((m) => {
      const correct = keys.map(() => (uniform() < m.skill ? 1 : 0));
      const confidence = correct.map((c) =>
        Math.min(0.999, Math.max(0.1, c ? 0.55 + 0.45 * uniform() : 0.15 + 0.6 * uniform())),
      );
      return [m.name, makeOutcomes(m.name, m.macs, confidence, correct, keys)];
    }),
  );
}

const SHA = (i: number) => `${i}`.repeat(64).slice(0, 64);

/** A completed search over `models` (bases: the two dearest), as the farm would publish it. */
export function sampleSearch(
  models: readonly SampleModel[] = SAMPLE_MODELS,
  id = 's-20261128t140501-3f9a1c2b7d4e',
): SampleSearch {
  const sorted = [...models].sort((a, b) => a.macs - b.macs);
  const bases = sorted.slice(-2).reverse();
  const selection = splitOutcomes(sorted, 400, 1);
  const evaluation = splitOutcomes(sorted, 300, 2);
  const plan = bases.map((b) => ({
    name: b.name,
    savers: sorted.filter((s) => s.macs < b.macs).map((s) => s.name),
  }));
  const report = buildSearchReport({
    bases: plan,
    outcomes: new Map(
      sorted.map((m) => [
        m.name,
        { selection: selection.get(m.name)!, evaluation: evaluation.get(m.name)! },
      ]),
    ),
    budgets: [0.01, 0.5, 1],
    topK: 5,
    chains: true,
    bootstrap: { replicates: 50, seed: 7, level: 0.95 },
  });
  const preprocess = resolvePreprocess({ inputSize: [1, 28, 28], mean: [0.5], std: [0.5] });
  const results: SearchResultsDocument = {
    id,
    generatedAt: '2026-11-28T14:06:00.000Z',
    selection: { dataset: 'sel', samples: 400 },
    evaluation: { dataset: 'eval', samples: 300 },
    budgets: [0.01, 0.5, 1],
    topK: 5,
    models: sorted.map((m, i) => ({ name: m.name, sha256: SHA(i), macs: m.macs, preprocess })),
    records: { needed: 8, reused: 2 },
    bootstrap: { replicates: 50, seed: 7, level: 0.95 },
    bases: report.bases,
  };
  const curves = report.bases.flatMap((base) =>
    base.savers.flatMap((saver) =>
      (['selection', 'evaluation'] as const).map((split): CurveView => ({
        search: id,
        base: base.model,
        saver: saver.model,
        split,
        dataset: results[split].dataset,
        exact: false,
        ...gridCurve(
          (split === 'selection' ? selection : evaluation).get(saver.model)!,
          (split === 'selection' ? selection : evaluation).get(base.model)!,
        ),
      })),
    ),
  );
  const [first] = report.bases;
  const saver = first.savers[0];
  const budget = saver.budgets[1];
  const stage = (model: string, samples: number, correct: number, wallMs: number) => ({
    model,
    samples,
    correct,
    macs: 0,
    wallMs,
    executionProviders: ['cpu' as const],
  });
  const point = budget.evaluation;
  const cascadeRuns: CascadeRunView[] = [
    {
      id: 'c-20261128t141000-0123456789ab',
      status: 'completed',
      progress: { shards: 1, total: 1, records: true },
      createdAt: '2026-11-28T14:10:00.000Z',
      request: {
        saver: saver.model,
        base: first.model,
        threshold: budget.threshold,
        dataset: 'eval',
        baseline: true,
      },
      result: {
        realised: {
          samples: 300,
          exits: point.exits,
          exitRatio: point.exitRatio,
          correct: point.correct,
          accuracy: point.accuracy,
          relativeCost: point.relativeCost,
          macs: 0,
          wallMs: 420,
          saver: stage(saver.model, 300, 250, 120),
          base: stage(first.model, 300 - point.exits, 200, 300),
          baseline: stage(first.model, 300, 276, 1250),
          speedup: 1250 / 420,
        },
        simulated: point,
        difference: { exits: 0, correct: 0 },
      },
    },
    {
      id: 'c-20261128t141500-ba9876543210',
      status: 'running',
      progress: { shards: 0, total: 2, records: true },
      createdAt: '2026-11-28T14:15:00.000Z',
      request: {
        saver: saver.model,
        base: first.model,
        threshold: 0.9,
        dataset: 'eval',
        baseline: false,
      },
    },
  ];
  return { results, curves, cascadeRuns };
}
