// Where the manifests' probes may point: the API's documented paths and the worker's routes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';

/** Paths of the API, from its OpenAPI document. */
export function apiPaths(): string[] {
  const openapi = JSON.parse(readFileSync(join(repoRoot, 'apps/api/openapi.json'), 'utf8')) as {
    paths?: Record<string, unknown>;
  };
  return Object.keys(openapi.paths ?? {});
}

/** Paths the worker's health server answers (it has no OpenAPI document: read its routes). */
export function workerPaths(): string[] {
  const source = readFileSync(join(repoRoot, 'apps/worker/src/runtime/health-server.ts'), 'utf8');
  return [...source.matchAll(/path === '(\/[^']*)'/g)].map((m) => m[1]);
}
