import type {
  CascadeShardDocument,
  DatasetSnapshot,
  ProfiledModelRef,
  RealisedCascade,
  StageTotals,
} from '@tinysaver/contracts';
import type { CascadeRunBody } from './cascade-run-request';

export type {
  CascadeRunRequest,
  CascadeRunResult,
  CascadeRunView,
  RealisedCascade,
  StageTotals,
} from '@tinysaver/contracts';

/** `run.json`: what was asked and the files and shards it resolved to. Immutable. */
export interface CascadeRunSpec {
  readonly v: 1;
  readonly id: string;
  readonly tenant: string;
  readonly createdAt: string;
  readonly request: CascadeRunBody;
  readonly saver: ProfiledModelRef;
  readonly base: ProfiledModelRef;
  readonly dataset: DatasetSnapshot;
}

function stage(
  model: string,
  docs: readonly CascadeShardDocument[],
  pick: (d: CascadeShardDocument) => CascadeShardDocument['saver'] | undefined,
): StageTotals {
  const stages = docs.map(pick).filter((s) => s !== undefined);
  return {
    model,
    samples: stages.reduce((n, s) => n + s.samples, 0),
    correct: stages.reduce((n, s) => n + s.correct, 0),
    macs: stages.reduce((n, s) => n + s.macs, 0),
    wallMs: stages.reduce((n, s) => n + s.wallMs, 0),
    executionProviders: [...new Set(stages.map((s) => s.executionProvider))],
  };
}

/** Sums the shards' realised cascades into the run's. */
export function realisedCascade(
  docs: readonly CascadeShardDocument[],
  models: { readonly saver: string; readonly base: string; readonly baseMacs: number },
): RealisedCascade {
  const samples = docs.reduce((n, d) => n + d.samples, 0);
  const exits = docs.reduce((n, d) => n + d.exitedKeys.length, 0);
  const correct = docs.reduce((n, d) => n + d.correct, 0);
  const macs = docs.reduce((n, d) => n + d.macs, 0);
  const saver = stage(models.saver, docs, (d) => d.saver);
  const base = stage(models.base, docs, (d) => d.base);
  const withBaseline = docs.every((d) => d.baseline);
  const baseline = withBaseline ? stage(models.base, docs, (d) => d.baseline) : undefined;
  const wallMs = saver.wallMs + base.wallMs;
  return {
    samples,
    exits,
    exitRatio: exits / samples,
    correct,
    accuracy: correct / samples,
    relativeCost: macs / (models.baseMacs * samples),
    macs,
    wallMs,
    saver,
    base,
    ...(baseline ? { baseline, speedup: baseline.wallMs / wallMs } : {}),
  };
}
