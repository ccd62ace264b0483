/**
 * infra/compose/compose.yaml as Docker Compose reads it: YAML with merge keys (`<<`), then
 * `${VAR}` interpolation of every string value. Interpolation follows the Compose Specification
 * for the forms it lists (`$$`, `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`,
 * `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`); nested expressions throw instead of being half-read.
 */
import { parseDocument } from 'yaml';
import { readRepoFile } from './workspace';

export const COMPOSE_FILE = 'infra/compose/compose.yaml';
export const ENV_EXAMPLE = 'infra/compose/.env.example';

export interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: (string | { host_ip?: string; published?: string | number; target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  profiles?: string[];
  stop_grace_period?: string;
  restart?: string;
  deploy?: {
    resources?: {
      reservations?: { devices?: { driver?: string; capabilities?: string[]; count?: unknown }[] };
    };
  };
}

export interface ComposeFile {
  version?: unknown;
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** The YAML as written, merge keys resolved, nothing interpolated; throws on YAML problems. */
export function readComposeYaml(text = readRepoFile(COMPOSE_FILE)): ComposeFile {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  return doc.toJS() as ComposeFile;
}

/** `KEY=value` lines of a .env file (no quotes, no expansion: the example file uses none). */
export function readDotEnv(text = readRepoFile(ENV_EXAMPLE)): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new Error(`not a KEY=value line: ${line}`);
    vars[match[1]] = match[2];
  }
  return vars;
}

/** Interpolates every string in `value` (recursively) with `vars`. */
export function interpolate<T>(value: T, vars: Record<string, string>): T {
  if (typeof value === 'string') return interpolateString(value, vars) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => interpolate(v, vars)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v as unknown, vars)]),
    ) as T;
  return value;
}

export function interpolateString(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
      if (dollar) return '$';
      if (bare) return vars[bare] ?? '';
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(braced ?? '');
      if (!match) throw new Error(`cannot interpolate ${whole}`);
      const [, name, colon, operator, operand = ''] = match;
      if (operand.includes('$')) throw new Error(`nested interpolation is not read here: ${whole}`);
      const value = vars[name];
      const missing = value === undefined || (colon === ':' && value === '');
      switch (operator) {
        case undefined:
          return value ?? '';
        case '-':
          return missing ? operand : value;
        case '?':
          if (missing) throw new Error(`required variable ${name} is missing: ${operand}`);
          return value;
        case '+':
          return missing ? '' : operand;
        default:
          throw new Error(`cannot interpolate ${whole}`);
      }
    },
  );
}

/** A service's environment as name → value (list or map form; null = passed from the shell). */
export function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** depends_on as name → condition (short form = service_started). */
export function dependenciesOf(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, d]) => [name, d.condition ?? 'service_started']),
  );
}

/** Compose's duration strings (`90s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g, (_, n: string, unit: string) => {
    total += Number(n) * units[unit];
    return '';
  });
  if (rest !== '' || text === '') throw new Error(`not a duration: ${text}`);
  return total;
}
