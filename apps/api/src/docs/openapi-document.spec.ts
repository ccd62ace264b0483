import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_BUDGETS } from '@tinysaver/cascade';
import { AppModule } from '../app.module';
import { CascadeRunBody } from '../cascade-runs/cascade-run-request';
import type { ApiConfig } from '../config/api-config';
import { RegisterDatasetBody } from '../datasets/dataset-document';
import { RegisterModelBody } from '../models/model-request';
import { SearchBody } from '../searches/search-request';
import { nestRoutes } from './nest-routes';
import {
  API_VERSION,
  buildOpenApiDocument,
  documentedRoutes,
  type Json,
  type OpenApiDocument,
  type OpenApiOperation,
} from './openapi-document';
import type { Same } from './response-schemas';

const API_ROOT = join(__dirname, '..', '..');
const COMMITTED = join(API_ROOT, 'openapi.json');
const STALE = 'apps/api/openapi.json is stale: run npm run openapi';

/** Routes the document leaves out on purpose: the documentation itself. */
const UNDOCUMENTED = /^\/docs(\/|$)/;
/** Not a Nest route: bull-board's Express router, mounted in createApp (documented as one GET). */
const MOUNTED = ['GET /admin/queues'];

const doc = buildOpenApiDocument();

/** The JSON pointer of the first place where two JSON values differ, or undefined. */
function firstDifference(a: unknown, b: unknown, at = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at || '/';
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
    );
    if (found) return found;
  }
  return `${at || '/'} (key order)`;
}

function operations(d: OpenApiDocument): [string, string, OpenApiOperation][] {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, string, OpenApiOperation] => [
      method,
      path,
      op,
    ]),
  );
}

function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (typeof value === 'object' && value !== null)
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  return found;
}

const deref = <T>(value: T | { $ref: string }): T =>
  typeof value === 'object' && value !== null && '$ref' in value
    ? (resolvePointer(doc, value.$ref) as T)
    : value;

describe('apps/api/openapi.json', () => {
  it('is what buildOpenApiDocument() builds (else: run npm run openapi)', () => {
    let text: string;
    try {
      text = readFileSync(COMMITTED, 'utf8');
    } catch {
      throw new Error(`${STALE} (the file is missing)`);
    }
    let committed: unknown;
    try {
      committed = JSON.parse(text);
    } catch {
      throw new Error(`${STALE} (the file is not JSON)`);
    }
    // Compared as JSON, key order included; the whitespace is prettier's (npm test checks it).
    const where = firstDifference(committed, doc);
    if (where !== undefined) throw new Error(`${STALE} (first difference at ${where})`);
    if (!text.endsWith('}\n') || !text.startsWith('{\n  "openapi"'))
      throw new Error(`${STALE} (not pretty-printed with 2 spaces and a final newline)`);
  });
});

describe('buildOpenApiDocument', () => {
  it('is deterministic and holds no timestamps', () => {
    expect(JSON.stringify(buildOpenApiDocument())).toBe(JSON.stringify(doc));
    expect(JSON.stringify(doc)).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it("is OpenAPI 3.1 with apps/api/package.json's version", () => {
    const pkg = JSON.parse(readFileSync(join(API_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(API_VERSION).toBe(pkg.version);
    expect(doc.info.version).toBe(pkg.version);
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((ref) => resolvePointer(doc, ref) === undefined)).toEqual([]);
  });

  it('declares every path parameter of every path, and no other', () => {
    const problems: string[] = [];
    for (const [method, path, op] of operations(doc)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const params = (op.parameters ?? []).map((p) => deref(p) as Record<string, Json>);
      const declared = params.filter((p) => p.in === 'path');
      if (
        JSON.stringify(declared.map((p) => p.name).sort()) !== JSON.stringify(inPath) ||
        declared.some((p) => p.required !== true || !p.schema)
      )
        problems.push(`${method} ${path}`);
      for (const p of params)
        if (!p.name || !['path', 'query'].includes(p.in as string) || !p.schema)
          problems.push(`${method} ${path}: parameter ${JSON.stringify(p)}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives every operation an id, a summary, a known tag, one success and shared errors', () => {
    const ids = operations(doc).map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const [method, path, op] of operations(doc)) {
      const where = `${method} ${path}`;
      expect([where, op.summary.length > 0]).toEqual([where, true]);
      expect([where, op.tags.every((t) => tags.has(t))]).toEqual([where, true]);
      const statuses = Object.keys(op.responses).map(Number);
      expect([where, statuses.filter((s) => s < 300)]).toEqual([where, [expect.any(Number)]]);
      // Every error refers to the one Error schema and names its codes (except /health's 503,
      // which is the health body itself).
      for (const status of statuses.filter((s) => s >= 400 && !(path === '/health' && s === 503))) {
        const response = op.responses[String(status)];
        expect([where, status, response.content]).toEqual([
          where,
          status,
          { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        ]);
        const listsCodes = /Codes: `[a-z0-9-]+`/.test(response.description as string);
        expect([where, status, listsCodes]).toEqual([where, status, true]);
      }
      expect([where, op.responses['500']]).toEqual([where, expect.anything()]);
    }
  });

  it('asks for a tenant key everywhere but the probes (none) and the admin routes (admin key)', () => {
    expect(doc.security).toEqual([{ tenantKey: [] }]);
    const schemes = Object.entries(doc.components.securitySchemes).map(
      ([name, { type, scheme }]) => [name, type, scheme],
    );
    expect(schemes).toEqual([
      ['tenantKey', 'http', 'bearer'],
      ['adminBearer', 'http', 'bearer'],
      ['adminBasic', 'http', 'basic'],
    ]);
    const security = Object.fromEntries(
      operations(doc).map(([method, path, op]) => [`${method} ${path}`, op.security]),
    );
    const admin = [{ adminBearer: [] }, { adminBasic: [] }];
    for (const [route, value] of Object.entries(security)) {
      if (['get /health', 'get /health/live'].includes(route))
        expect([route, value]).toEqual([route, []]);
      else if (['get /metrics', 'get /metrics/backlog', 'get /admin/queues'].includes(route))
        expect([route, value]).toEqual([route, admin]);
      else expect([route, value]).toEqual([route, undefined]);
    }
    const codes = (route: string, status: string) => {
      const [method, path] = route.split(' ');
      return doc.paths[path][method as 'get']!.responses[status].description;
    };
    expect(codes('post /v1/models', '401')).toContain('`missing-api-key`, `invalid-api-key`');
    expect(codes('get /metrics', '401')).toContain('`missing-admin-key`');
    expect(codes('get /metrics', '403')).toContain('`admin-disabled`');
    expect(codes('delete /v1/searches/{id}', '429')).toContain('`rate-limited`');
  });

  it("takes request bodies from the controllers' own zod schemas (input side)", () => {
    const bodies = { RegisterModelBody, RegisterDatasetBody, SearchBody, CascadeRunBody };
    for (const [id, schema] of Object.entries(bodies)) {
      const expected = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
      delete expected.$schema;
      expect([id, doc.components.schemas[id]]).toEqual([id, expected]);
      expect([id, doc.components.schemas[id].additionalProperties]).toEqual([id, false]);
    }
    const search = doc.components.schemas.SearchBody as {
      properties: Record<string, { default?: unknown }>;
    };
    expect(search.properties.savers.default).toBe('all-cheaper');
    expect(search.properties.budgets.default).toEqual([...DEFAULT_BUDGETS]);
    expect(search.properties.topK.default).toBe(5);
    expect(search.properties.chains.default).toBe(false);
    const run = doc.components.schemas.CascadeRunBody as typeof search;
    expect(run.properties.baseline.default).toBe(true);
    const body = (path: string) => doc.paths[path].post!.requestBody;
    expect(body('/v1/models')).toEqual({
      required: true,
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/RegisterModelBody' } },
      },
    });
    expect(body('/v1/searches')?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/SearchBody' } },
    });
  });

  it('takes query parameters from the zod schemas, defaults written as query strings', () => {
    const query = (path: string) =>
      Object.fromEntries(
        (doc.paths[path].get!.parameters ?? [])
          .map((p) => deref(p) as Record<string, Json>)
          .filter((p) => p.in === 'query')
          .map((p) => [p.name as string, p]),
      );
    const curve = query('/v1/searches/{id}/curves/{base}/{saver}');
    expect(Object.keys(curve)).toEqual(['split', 'exact']);
    expect(curve.split.schema).toEqual({
      default: 'evaluation',
      type: 'string',
      enum: ['selection', 'evaluation'],
    });
    expect(curve.exact).toEqual(
      expect.objectContaining({
        required: false,
        schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
      }),
    );
    const whatIf = query('/v1/searches/{id}/what-if/{base}/{saver}');
    expect(Object.keys(whatIf)).toEqual(['threshold', 'budget']);
    expect(whatIf.threshold.schema).toEqual({ type: 'number', minimum: 0, maximum: 1 });
    expect(whatIf.budget.schema).toEqual({ type: 'number', minimum: 0, maximum: 100 });
  });

  it('documents the success status each route answers with', () => {
    const success = Object.fromEntries(
      operations(doc).map(([method, path, op]) => [
        `${method.toUpperCase()} ${path}`,
        Object.keys(op.responses).find((s) => Number(s) < 300),
      ]),
    );
    expect(success).toMatchObject({
      'POST /v1/models': '202',
      'POST /v1/searches': '202',
      'POST /v1/cascade-runs': '202',
      'POST /v1/datasets': '201',
      'GET /v1/models': '200',
      'DELETE /v1/searches/{id}': '200',
    });
  });
});

describe('route coverage', () => {
  // Only reads decorator metadata: no module is instantiated, nothing connects.
  const registered = nestRoutes(AppModule.create({} as ApiConfig)).filter(
    (r) => !UNDOCUMENTED.test(r.path),
  );

  it('documents exactly the routes Nest registers (plus the mounted dashboard)', () => {
    const actual = [...registered.map((r) => `${r.method} ${r.path}`), ...MOUNTED].sort();
    const documented = documentedRoutes(doc);
    expect(actual.length).toBeGreaterThan(15);
    expect({
      missingFromTheDocument: actual.filter((r) => !documented.includes(r)),
      documentedButNotRegistered: documented.filter((r) => !actual.includes(r)),
    }).toEqual({ missingFromTheDocument: [], documentedButNotRegistered: [] });
  });

  it('reads /docs as Nest routes (so the exclusion above has something to exclude)', () => {
    const docs = nestRoutes(AppModule.create({} as ApiConfig))
      .filter((r) => UNDOCUMENTED.test(r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(docs).toEqual(['GET /docs', 'GET /docs/assets/{file}', 'GET /docs/openapi.json']);
  });

  it("documents each route's success status as its @HttpCode (or Nest's default)", () => {
    const wrong = registered.flatMap((route) => {
      const op = doc.paths[route.path]?.[route.method.toLowerCase() as 'get'];
      const documented = op && Object.keys(op.responses).filter((s) => Number(s) < 300);
      return documented && documented.join() !== String(route.status)
        ? [
            `${route.method} ${route.path} (${route.handler}): ${route.status} vs ${documented.join()}`,
          ]
        : [];
    });
    expect(wrong).toEqual([]);
  });
});

describe('Same (the response schemas’ drift guard)', () => {
  type Refute<T extends false> = T;
  type Assert<T extends true> = T;
  it('tells apart types that mutual assignability would not', () => {
    // Checked by tsc (typecheck): each entry only compiles with the value written.
    const checks: [
      Refute<Same<{ a: string }, { a: string; b?: number }>>,
      Refute<Same<{ a: string | null }, { a: string }>>,
      Refute<Same<{ a: [number, number] }, { a: number[] }>>,
      Refute<Same<{ a: { b: 'x' | 'y' } }, { a: { b: 'x' } }>>,
      Refute<Same<{ a: { b: string } }, { a: { b?: string } }>>,
      Assert<Same<{ readonly a: readonly string[] }, { a: string[] }>>,
      Assert<Same<{ a?: string }, { a?: string | undefined }>>,
    ] = [false, false, false, false, false, true, true];
    expect(checks).toHaveLength(7);
  });

  it('guards every named response schema', () => {
    const source = readFileSync(join(__dirname, 'response-schemas.ts'), 'utf8');
    const named = [...source.matchAll(/export const (\w+) = named\(/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(25);
    // Error has no interface to mirror: the integration tests hold real error bodies to it.
    const unguarded = named.filter(
      (name) => name !== 'ErrorSchema' && !source.includes(`Out<typeof ${name}>`),
    );
    expect(unguarded).toEqual([]);
  });
});
