import { QueueName } from '@tinysaver/contracts';
import { startHealthServer, type HealthServer, type Readiness } from './health-server';
import { WorkerMetrics } from './worker-metrics';

let server: HealthServer;
let readiness: Readiness;
let metrics: WorkerMetrics;

beforeEach(async () => {
  readiness = { ready: true, body: { status: 'ok' } };
  metrics = new WorkerMetrics({
    queues: [QueueName.Records, QueueName.Aggregate],
    executionProviders: ['cuda', 'cpu'],
    computeThreads: 1,
  });
  server = await startHealthServer(
    { host: '127.0.0.1', port: 0 },
    () => Promise.resolve(readiness),
    metrics,
  );
});
afterEach(() => server.close());

const get = (path: string, method = 'GET') => fetch(`${server.url}${path}`, { method });

it('answers liveness whatever readiness says', async () => {
  readiness = { ready: false, body: { status: 'draining' } };
  const live = await get('/health/live');
  expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
});

it('answers readiness with 200 when ready and 503 with the reason when not', async () => {
  const ready = await get('/health');
  expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
  readiness = { ready: false, body: { status: 'degraded', redis: 'unavailable: timed out' } };
  const notReady = await get('/health');
  expect([notReady.status, await notReady.json()]).toEqual([
    503,
    { status: 'degraded', redis: 'unavailable: timed out' },
  ]);
});

it('serves Prometheus text that counts attempts by outcome and jobs in hand', async () => {
  const first = metrics.attemptStarted(QueueName.Records);
  metrics.attemptStarted(QueueName.Records);
  first('completed');
  metrics.attemptStarted(QueueName.Aggregate)('waiting');
  metrics.markDraining();
  const response = await get('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(text).toMatch(
    /^tinysaver_worker_job_attempts_total\{queue="tinysaver-records",outcome="completed"\} 1$/m,
  );
  expect(text).toMatch(
    /^tinysaver_worker_job_attempts_total\{queue="tinysaver-records",outcome="failed"\} 0$/m,
  );
  expect(text).toMatch(
    /^tinysaver_worker_job_attempts_total\{queue="tinysaver-aggregate",outcome="waiting"\} 1$/m,
  );
  expect(text).toMatch(/^tinysaver_worker_jobs_in_hand\{queue="tinysaver-records"\} 1$/m);
  expect(text).toMatch(/^tinysaver_worker_jobs_in_hand\{queue="tinysaver-aggregate"\} 0$/m);
  expect(text).toMatch(/^tinysaver_worker_draining 1$/m);
  expect(text).toMatch(/^tinysaver_worker_info\{.*execution_providers="cuda,cpu".*\} 1$/m);
  expect(text).toMatch(/^tinysaver_worker_process_cpu_seconds_total /m);
});

it('refuses other methods and names the paths it serves', async () => {
  expect((await get('/health', 'POST')).status).toBe(405);
  const missing = await get('/healthz');
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({
    error: 'no /healthz here; try /health, /health/live or /metrics',
  });
});

it('fails to start on a port that is taken', async () => {
  const port = Number(new URL(server.url).port);
  await expect(
    startHealthServer({ host: '127.0.0.1', port }, () => Promise.resolve(readiness), metrics),
  ).rejects.toThrow(/EADDRINUSE/);
});
