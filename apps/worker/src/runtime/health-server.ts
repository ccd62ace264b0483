import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerMetrics } from './worker-metrics';

export interface Readiness {
  /** False when the worker should get no traffic from a scheduler's point of view. */
  readonly ready: boolean;
  readonly body: Record<string, unknown>;
}

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The worker's probes and metrics, for a cluster: `/health/live` answers while the process
 * does (a wedged event loop fails it), `/health` is ready only with Redis reachable and not
 * draining, `/metrics` is Prometheus text. No key: it says nothing about tenants' data, and
 * it listens on WORKER_HTTP_HOST (loopback unless a deployment opens it to its pod network).
 */
export async function startHealthServer(
  at: { readonly host: string; readonly port: number },
  readiness: () => Promise<Readiness>,
  metrics: WorkerMetrics,
): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const send = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      response.end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(405, JSON.stringify({ error: 'only GET is served here' }));
    const answer = async () => {
      if (path === '/health/live') return send(200, JSON.stringify({ status: 'ok' }));
      if (path === '/health') {
        const { ready, body } = await readiness();
        return send(ready ? 200 : 503, JSON.stringify(body));
      }
      if (path === '/metrics')
        return send(200, await metrics.registry.metrics(), metrics.registry.contentType);
      send(
        404,
        JSON.stringify({ error: `no ${path} here; try /health, /health/live or /metrics` }),
      );
    };
    answer().catch((error: unknown) =>
      send(500, JSON.stringify({ error: (error as Error)?.message ?? String(error) })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
