/**
 * Runs a built app's `--check-config`: it validates the environment it is given, connects to
 * nothing, and prints one JSON line naming every variable the app reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';

export type App = 'api' | 'worker';

export interface ConfigCheck {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON line, when the app printed one. */
  readonly report: { app: string; ok: boolean; variables: string[] } | undefined;
}

/** Read by the AWS SDK or Node itself, not by the farm's config readers: never listed. */
export const VARIABLES_READ_BY_PLATFORM = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'NODE_ENV',
  'NODE_OPTIONS',
];

export function checkConfig(app: App, env: Readonly<Record<string, string>>): ConfigCheck {
  const main = join(repoRoot, 'apps', app, 'dist', 'main.js');
  if (!existsSync(main))
    throw new Error(`${main} is missing: build first (npx nx run-many -t build -p api worker)`);
  const result = spawnSync(
    process.execPath,
    [main, '--check-config'],
    // Only the given environment: the test's own (REDIS_URL, …) must not leak in. The timeout
    // only stops an app that ignores the flag and starts for real; it is no assertion.
    {
      cwd: repoRoot,
      env: { ...env, PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    },
  );
  const line = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  let report: ConfigCheck['report'];
  try {
    report = line ? (JSON.parse(line) as ConfigCheck['report']) : undefined;
  } catch {
    report = undefined;
  }
  return {
    exitCode: result.status,
    stdout: result.stdout,
    stderr: `${result.stderr}${result.error?.message ?? ''}`,
    report,
  };
}

/** Names set on a container that its app does not read: dead settings, usually typos. */
export const unreadVariables = (set: readonly string[], read: readonly string[]): string[] =>
  set.filter((name) => !read.includes(name) && !VARIABLES_READ_BY_PLATFORM.includes(name));
