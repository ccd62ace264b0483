// Runs infra/tools/validate-k8s.ts the way an operator does, under tsx: kubernetes-models is
// ESM-only and cannot be loaded by Jest's CommonJS.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './workspace';

export interface ObjectReport {
  readonly source: string;
  readonly index: number;
  readonly kind?: string;
  readonly name?: string;
  readonly ok: boolean;
  readonly errors: readonly { path: string; rule: string; message: string }[];
}

export interface ValidatorRun {
  readonly status: number | null;
  readonly reports: readonly ObjectReport[];
  readonly stderr: string;
}

export function runValidator(sources: readonly string[], stdin?: string): ValidatorRun {
  const run = spawnSync(
    join(repoRoot, 'node_modules/.bin/tsx'),
    [join(repoRoot, 'infra/tools/validate-k8s.ts'), ...sources],
    { cwd: repoRoot, input: stdin, encoding: 'utf8', timeout: 120_000 },
  );
  const reports = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ObjectReport & { summary?: true })
    .filter((line) => !line.summary);
  return { status: run.status, reports, stderr: run.stderr };
}

/** `rule path` of every error, for compact assertions. */
export const errorsOf = (run: ValidatorRun): string[] =>
  run.reports.flatMap((r) => r.errors.map((e) => `${e.rule} ${e.path}`));
