import { ConfigError, type Env } from './env-reader';

/**
 * Names of every variable `read` asks `env` for, set or not: what an operator may set for this
 * app. Recorded from the reads themselves, so no list is kept by hand beside the reader.
 */
export function variablesRead(read: (env: Env) => unknown, env: Env): string[] {
  const names = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name, receiver) {
      if (typeof name === 'string') names.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  try {
    read(recording);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  return [...names].sort();
}

export interface ConfigCheck {
  readonly exitCode: 0 | 2;
  /** One JSON line: `{"app","ok","variables"}` — what deployment tests and operators read. */
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `<app> --check-config`: validates `env` as the app would at start (without connecting to
 * anything) and names every variable it reads, so manifests can be checked against the app.
 */
export function checkConfig(app: string, read: (env: Env) => unknown, env: Env): ConfigCheck {
  const variables = variablesRead(read, env);
  try {
    read(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      exitCode: 2,
      stdout: `${JSON.stringify({ app, ok: false, variables, problems: error.problems })}\n`,
      stderr: `${error.message}\n`,
    };
  }
  return { exitCode: 0, stdout: `${JSON.stringify({ app, ok: true, variables })}\n`, stderr: '' };
}

/** In an app's main: when started with `--check-config`, answer the check and exit. */
export function answerConfigCheckIfAsked(app: string, read: (env: Env) => unknown): void {
  if (!process.argv.slice(2).includes('--check-config')) return;
  const check = checkConfig(app, read, process.env);
  process.stdout.write(check.stdout);
  process.stderr.write(check.stderr);
  process.exit(check.exitCode);
}
