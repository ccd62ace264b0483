// Validates Kubernetes manifests offline against kubernetes-models' schemas (and KEDA's), and
// reports fields the schemas do not know — a typo such as `terminationGracePeriodSecond` passes
// the schemas alone, because they do not forbid additional properties.
//
//   npx tsx infra/tools/validate-k8s.ts infra/k8s/overlays/gpu   # a kustomization: rendered first
//   npx tsx infra/tools/validate-k8s.ts manifest.yaml            # one multi-document YAML file
//   kubectl kustomize DIR | npx tsx infra/tools/validate-k8s.ts -
//
// Prints one JSON line per object ({source, index, apiVersion, kind, name, ok, errors}) and a
// summary line; exits 0 when every object is valid, 1 otherwise, 2 on a usage error. Runs under
// tsx because kubernetes-models is ESM-only (Jest, in CommonJS, spawns it as a child process).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Problem {
  /** JSON pointer into the object, e.g. `/spec/template/spec/containers/0/ports/0`. */
  readonly path: string;
  /**
   * `schema` (a type, enum or required property), `unknown-field`, `kind` (no model for it),
   * `yaml` (unparseable) or `render` (kubectl kustomize failed, or no such input).
   */
  readonly rule: 'schema' | 'unknown-field' | 'kind' | 'yaml' | 'render';
  readonly message: string;
}

interface ObjectReport {
  readonly source: string;
  readonly index: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly ok: boolean;
  readonly errors: readonly Problem[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the schema validator did with one object: the keys it looked at, and whether it listed them all. */
interface Trace {
  readonly read: Set<string>;
  enumerated: boolean;
}

/**
 * The schemas ship as compiled (ajv standalone) functions, not JSON, so their `properties` cannot
 * be read. A compiled validator does read every property its schema declares (`data.x !== undefined`)
 * and enumerates the keys of a map (`for (key in data)`), so running it on proxies tells which
 * keys each object's schema knows. A key never read, in an object whose other keys were read, is
 * unknown to the schema. Maps (labels, resources, a KEDA trigger's metadata) accept any key, and
 * objects the schema leaves free-form are not looked into: nothing can be said about them.
 */
function tracing(root: Json, traces: WeakMap<object, Trace>): Json {
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = proxies.get(value);
    if (known) return known;
    const trace: Trace = { read: new Set(), enumerated: false };
    traces.set(value, trace);
    const note = (key: string | symbol) => {
      if (typeof key === 'string') trace.read.add(key);
    };
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        note(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        note(key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        note(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        trace.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return wrap(root) as Json;
}

/** Keys the schema never looked at; objects it never entered, or treats as free-form, are skipped. */
function unknownFields(value: Json, path: string, traces: WeakMap<object, Trace>): Problem[] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => unknownFields(item, `${path}/${i}`, traces));
  if (!isObject(value)) return [];
  const trace = traces.get(value);
  if (!trace || (!trace.enumerated && trace.read.size === 0)) return [];
  const problems: Problem[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (trace.enumerated || trace.read.has(key))
      problems.push(...unknownFields(child, childPath, traces));
    else
      problems.push({
        path: childPath,
        rule: 'unknown-field',
        message: `unknown field '${key}' (not in the schema; a typo?)`,
      });
  }
  return problems;
}

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(this: unknown): void };
}

const isModelClass = (value: unknown): value is ModelClass =>
  typeof value === 'function' &&
  typeof (value as Partial<ModelClass>).kind === 'string' &&
  typeof (value as Partial<ModelClass>).apiVersion === 'string';

/** The module holding an apiVersion's models: KEDA's CRDs, else the Kubernetes API itself. */
function modelModule(apiVersion: string): string {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion))
    throw new Error(`'${apiVersion}' is not an apiVersion`);
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group.endsWith('keda.sh')
    ? `@kubernetes-models/keda/${apiVersion}`
    : `kubernetes-models/${apiVersion}`;
}

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | string> {
  let exports: unknown;
  try {
    exports = await import(modelModule(apiVersion));
  } catch (error) {
    return `no models for apiVersion '${apiVersion}' (${(error as Error).message.split('\n')[0]})`;
  }
  const candidate: unknown = isObject(exports) ? exports[kind] : undefined;
  return isModelClass(candidate) && candidate.kind === kind && candidate.apiVersion === apiVersion
    ? candidate
    : `unknown kind '${kind}' in ${apiVersion}`;
}

interface AjvError {
  readonly instancePath: string;
  readonly message?: string;
}

const ajvErrorsOf = (error: unknown): readonly AjvError[] | undefined => {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? (errors as AjvError[]) : undefined;
};

async function validateObject(value: Json): Promise<Problem[]> {
  if (!isObject(value))
    return [{ path: '', rule: 'kind', message: 'a document must be a mapping (an object)' }];
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return [{ path: '', rule: 'kind', message: 'apiVersion and kind must be strings' }];
  const model = await modelClass(apiVersion, kind);
  if (typeof model === 'string') return [{ path: '/kind', rule: 'kind', message: model }];

  const traces = new WeakMap<object, Trace>();
  const problems: Problem[] = [];
  try {
    model.prototype.validate.call(tracing(value, traces));
  } catch (error) {
    const errors = ajvErrorsOf(error);
    if (!errors) throw error;
    for (const e of errors)
      problems.push({ path: e.instancePath, rule: 'schema', message: e.message ?? 'invalid' });
  }
  return [...problems, ...unknownFields(value, '', traces)];
}

/** The YAML to check: stdin, a file, or a kustomization directory rendered by kubectl. */
function readSource(source: string): string {
  if (source === '-') return readFileSync(0, 'utf8');
  if (!statSync(source).isDirectory()) return readFileSync(source, 'utf8');
  const kustomization = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
  if (!kustomization.some((name) => existsSync(join(source, name))))
    throw new Error(`${source} is a directory without a kustomization.yaml`);
  return execFileSync('kubectl', ['kustomize', source], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function validateSource(source: string): Promise<ObjectReport[]> {
  let text: string;
  try {
    text = readSource(source);
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() ? stderr.trim() : String(error);
    return [
      { source, index: -1, ok: false, errors: [{ path: '', rule: 'render', message: detail }] },
    ];
  }
  const reports: ObjectReport[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length) {
      const errors = document.errors.map((e) => ({
        path: '',
        rule: 'yaml' as const,
        message: e.message,
      }));
      reports.push({ source, index, ok: false, errors });
      continue;
    }
    const value = document.toJS() as Json;
    if (value === null) continue; // an empty document between two `---`
    const errors = await validateObject(value);
    const text = (field: Json | undefined) => (typeof field === 'string' ? field : undefined);
    const object = isObject(value) ? value : {};
    const metadata = isObject(object.metadata) ? object.metadata : {};
    reports.push({
      source,
      index,
      apiVersion: text(object.apiVersion),
      kind: text(object.kind),
      name: text(metadata.name),
      ok: errors.length === 0,
      errors,
    });
  }
  return reports;
}

async function main(sources: readonly string[]): Promise<number> {
  if (sources.length === 0) {
    process.stderr.write(
      'usage: npx tsx infra/tools/validate-k8s.ts <file | kustomization dir | -> …\n',
    );
    return 2;
  }
  let objects = 0;
  let invalid = 0;
  for (const source of sources)
    for (const report of await validateSource(source)) {
      objects += report.index < 0 ? 0 : 1;
      invalid += report.ok ? 0 : 1;
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }
  process.stdout.write(`${JSON.stringify({ summary: true, objects, invalid })}\n`);
  return invalid === 0 && objects > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
