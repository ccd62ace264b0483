import 'reflect-metadata';
import { RequestMethod, type DynamicModule, type Type } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  MODULE_METADATA,
  PATH_METADATA,
} from '@nestjs/common/constants';

/** A route as Nest registers it, its path written as an OpenAPI template (`/v1/models/{name}`). */
export interface NestRoute {
  readonly method: string;
  readonly path: string;
  /** The status it answers with on success: `@HttpCode`, else 201 for POST and 200 otherwise. */
  readonly status: number;
  readonly handler: string;
}

type ModuleRef = Type | DynamicModule;

const isDynamic = (m: unknown): m is DynamicModule =>
  typeof m === 'object' && m !== null && 'module' in m;

const paths = (value: unknown): string[] =>
  value === undefined ? [''] : Array.isArray(value) ? (value as string[]) : [value as string];

/** `:name` → `{name}`, joined with single slashes. */
function template(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .map((segment) => segment.replace(/^:(\w+)$/, '{$1}'))
    .join('/');
  return `/${joined}`;
}

/**
 * Every route of the controllers reachable from `root` (its own and those of the modules it
 * imports, recursively), read from the metadata Nest's decorators leave: what Nest will register.
 * Routers mounted on Express directly (bull-board) are not Nest routes and are not here.
 */
export function nestRoutes(root: ModuleRef): NestRoute[] {
  const controllers = new Set<Type>();
  const visited = new Set<unknown>();
  const visit = (ref: ModuleRef) => {
    if (visited.has(ref)) return;
    visited.add(ref);
    const module = isDynamic(ref) ? ref.module : ref;
    const own = (key: string) => (Reflect.getMetadata(key, module) as unknown[] | undefined) ?? [];
    const dynamic = isDynamic(ref) ? ref : undefined;
    for (const c of [...own(MODULE_METADATA.CONTROLLERS), ...(dynamic?.controllers ?? [])])
      controllers.add(c as Type);
    for (const m of [...own(MODULE_METADATA.IMPORTS), ...(dynamic?.imports ?? [])])
      if (typeof m === 'function' || isDynamic(m)) visit(m as ModuleRef);
  };
  visit(root);

  const routes: NestRoute[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const handlerPath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (handlerPath === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
      for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller)))
        for (const own of paths(handlerPath))
          routes.push({
            method,
            path: template(base, own),
            status: code ?? (method === 'POST' ? 201 : 200),
            handler: `${controller.name}.${name}`,
          });
    }
  }
  return routes.sort((a, b) => (`${a.path} ${a.method}` < `${b.path} ${b.method}` ? -1 : 1));
}
