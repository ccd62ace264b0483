// A pass-through HTTP proxy in front of s3rver that counts every request the API and workers
// make, by operation and by what the key holds, with the bytes each way. s3rver keeps no such
// counts, and S3's price and request-rate limits are per request, so this is what the fleet
// projection needs per records job.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface S3Count {
  requests: number;
  bytesUp: number;
  bytesDown: number;
}
export type S3Counts = Record<string, S3Count>;

export interface S3Counter {
  /** http://127.0.0.1:<port>: give it to the apps as S3_ENDPOINT. */
  readonly endpoint: string;
  /** A copy of the counters so far, keyed `<operation> <kind>` (e.g. `GET shard`). */
  snapshot(): S3Counts;
  stop(): Promise<void>;
}

/** What an object key holds, from the farm's key layout and where the bench puts its inputs. */
function kindOf(key: string): string {
  if (key.includes('/records/')) return 'record';
  if (key.includes('/inputs/datasets/')) return 'shard';
  if (key.includes('/inputs/models/')) return 'model';
  if (key.includes('/searches/') || key.includes('/live-searches/')) return 'search doc';
  if (key.includes('/models/')) return 'model doc';
  if (key.includes('/datasets/')) return 'dataset doc';
  return 'other';
}

/** `LIST <kind>`, `GET shard`, `HEAD record`, `PUT record`, … */
export function classify(method: string, url: string): string {
  const parsed = new URL(url, 'http://s3');
  const [, , ...rest] = parsed.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  if (method === 'GET' && parsed.searchParams.has('list-type'))
    return `LIST ${kindOf(parsed.searchParams.get('prefix') ?? '')}`;
  return `${method} ${kindOf(key)}`;
}

export async function startS3Counter(target: string): Promise<S3Counter> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const counts: S3Counts = {};
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const count = (counts[classify(req.method ?? 'GET', req.url ?? '/')] ??= {
      requests: 0,
      bytesUp: 0,
      bytesDown: 0,
    });
    count.requests++;
    req.on('data', (chunk: Buffer) => (count.bytesUp += chunk.length));
    const upstream = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // Host unchanged: SigV4 signed it
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => (count.bytesDown += chunk.length));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    snapshot: () => structuredClone(counts),
    async stop() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** b − a, per key, dropping keys with no requests in between. */
export function diffCounts(a: S3Counts, b: S3Counts): S3Counts {
  const out: S3Counts = {};
  for (const [key, after] of Object.entries(b)) {
    const before = a[key] ?? { requests: 0, bytesUp: 0, bytesDown: 0 };
    if (after.requests === before.requests) continue;
    out[key] = {
      requests: after.requests - before.requests,
      bytesUp: after.bytesUp - before.bytesUp,
      bytesDown: after.bytesDown - before.bytesDown,
    };
  }
  return out;
}
