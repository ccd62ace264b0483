// /docs: Swagger UI and the OpenAPI document, behind a tenant key (Bearer or Basic); the document
// against the routes Express actually serves, and real responses against its schemas.
import type { z } from 'zod';
import { documentedRoutes, buildOpenApiDocument } from '../src/docs/openapi-document';
import {
  DatasetListSchema,
  ErrorSchema,
  HealthSchema,
  ModelListSchema,
  SearchListSchema,
  CascadeRunListSchema,
} from '../src/docs/response-schemas';
import { basicAuth, errorOf, KEYS, startApiFarm, type ApiFarm } from './api-fixture';

jest.setTimeout(60_000);

let farm: ApiFarm;
beforeAll(async () => {
  farm = await startApiFarm();
});
afterAll(() => farm?.stop());

const get = (path: string, auth?: string) => {
  const req = farm.http().get(path);
  return auth === undefined ? req : req.set('Authorization', auth);
};
const tenant = basicAuth(KEYS.acme, 'anyone');

/** A body parsed by a response schema: zod drops unknown keys, so equality means no extras. */
const conforms = (schema: z.ZodType, body: unknown) => expect(schema.parse(body)).toEqual(body);

describe('/docs', () => {
  it('asks a browser for a tenant key: 401 with WWW-Authenticate, as every route without one', async () => {
    for (const path of ['/docs', '/docs/openapi.json', '/docs/assets/swagger-ui-bundle.js']) {
      const none = await get(path);
      expect([path, none.status]).toEqual([path, 401]);
      expect(none.headers['www-authenticate']).toBe('Basic realm="tinysaver"');
      expect(errorOf(none).code).toBe('missing-api-key');
      conforms(ErrorSchema, none.body);
    }
    for (const auth of [basicAuth('not-a-key-0123456789'), 'Bearer not-a-key-0123456789']) {
      const wrong = await get('/docs', auth);
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe('Basic realm="tinysaver"');
      expect(errorOf(wrong).code).toBe('invalid-api-key');
    }
  });

  it('serves Swagger UI to a tenant key sent as the Basic password (or as Bearer)', async () => {
    for (const auth of [tenant, `Bearer ${KEYS.globex}`]) {
      const page = await get('/docs', auth);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.text).toContain('<div id="swagger-ui"></div>');
      expect(page.text).toContain('src="/docs/assets/swagger-ui-bundle.js"');
      // Everything from this API: no CDN.
      expect(page.text).not.toMatch(/https?:\/\//);
    }
  });

  it('serves the assets the page loads, from swagger-ui-dist, and nothing else', async () => {
    const bundle = await get('/docs/assets/swagger-ui-bundle.js', tenant);
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.headers['cache-control']).toMatch(/^private/);
    expect(Number(bundle.headers['content-length'])).toBeGreaterThan(100_000);

    const init = await get('/docs/assets/init.js', tenant);
    expect(init.status).toBe(200);
    expect(init.headers['content-type']).toMatch(/javascript/);
    expect(init.text).toContain("url: '/docs/openapi.json'");
    expect(init.text).toContain('validatorUrl: null');

    const css = await get('/docs/assets/swagger-ui.css', tenant);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect((await get('/docs/assets/favicon-32x32.png', tenant)).headers['content-type']).toBe(
      'image/png',
    );

    // The dist's own initializer points at the petstore: not served, nor anything else there.
    for (const file of [
      'swagger-initializer.js',
      'package.json',
      '..%2Fpackage.json',
      'index.html',
    ]) {
      const refused = await get(`/docs/assets/${file}`, tenant);
      expect([file, refused.status]).toEqual([file, 404]);
      expect(errorOf(refused).code).toBe('asset-not-found');
    }
  });

  it('serves the OpenAPI document the code builds (= apps/api/openapi.json)', async () => {
    const res = await get('/docs/openapi.json', tenant);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});

describe('the document against the running API', () => {
  it('documents exactly the routes Express serves (but /docs), bull-board as one GET', () => {
    interface Layer {
      name: string;
      rawPath?: unknown;
      route?: { path: string; methods: Record<string, boolean> };
    }
    const express = farm.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
    const served = new Set<string>();
    for (const layer of express.router.stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all')
            served.add(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      } else if (typeof layer.rawPath === 'string' && layer.rawPath !== '/') {
        // Mounted at a path (bull-board's app and its admin check): its pages, assets and JSON
        // API are one documented GET.
        served.add(`GET ${layer.rawPath}`);
      }
    }
    const routes = [...served].filter((r) => !/^GET \/docs(\/|$)/.test(r)).sort();
    expect(routes).toContain('GET /admin/queues');
    expect(routes).toEqual(documentedRoutes(buildOpenApiDocument()));
  });

  it('answers with bodies its response schemas accept', async () => {
    conforms(HealthSchema, (await get('/health')).body);
    const auth = `Bearer ${KEYS.acme}`;
    conforms(ModelListSchema, (await get('/v1/models', auth)).body);
    conforms(DatasetListSchema, (await get('/v1/datasets', auth)).body);
    conforms(SearchListSchema, (await get('/v1/searches', auth)).body);
    conforms(CascadeRunListSchema, (await get('/v1/cascade-runs', auth)).body);
    const missing = await get('/v1/models/nope', auth);
    expect(missing.status).toBe(404);
    conforms(ErrorSchema, missing.body);
  });
});
