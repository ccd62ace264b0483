import { Injectable } from '@nestjs/common';
import type { Request, RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics-registry';

/**
 * The route a request matched, as its template (`/v1/models/:name`), read when the response is
 * finished: Express sets `req.route` when a route matches and leaves it, and `req.baseUrl` holds
 * the mount point of a mounted router (bull-board's). Raw paths would make one series per model
 * name; so a request no route matched (404s, bodies refused before routing) is `unmatched`, and
 * one answered inside a mounted router without a single-path route (its static files, its
 * multi-path pages, its auth check) is `<mount>/*`.
 */
export function routeLabel(request: Request): string {
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string')
    return request.baseUrl && path === '/' ? request.baseUrl : request.baseUrl + path;
  return request.baseUrl ? `${request.baseUrl}/*` : 'unmatched';
}

/** Requests and latencies per method, route template and status, for every request served. */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by method, route template and status (guards and errors included).',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time from the request reaching the API to the last byte of its response.',
      labelNames: ['method', 'route'],
      // Model registration hashes the whole object in S3: allow for slow requests.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
      registers: [registry],
    });
  }

  /** Mount before anything else, so requests refused early are measured too. */
  middleware(): RequestHandler {
    return (request, response, next) => {
      const start = process.hrtime.bigint();
      // 'finish' = the response was handed to the OS; aborted requests are not counted.
      response.once('finish', () => {
        const route = routeLabel(request);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        this.requests.inc({ method: request.method, route, status: String(response.statusCode) });
        this.duration.observe({ method: request.method, route }, seconds);
      });
      next();
    };
  }
}
