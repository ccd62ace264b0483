// GET /metrics: Prometheus text behind an admin key — HTTP by route template (refusals and
// errors included), queue depth read at scrape time, finished jobs and their run time; and the
// backlog an autoscaler reads.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES, QueueName } from '@tinysaver/contracts';
import {
  ADMIN_KEY,
  basicAuth,
  errorOf,
  eventually,
  KEYS,
  metricValue,
  startApiFarm,
  type ApiFarm,
} from './api-fixture';

jest.setTimeout(90_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let farm: ApiFarm;
let redis: Redis;
beforeAll(async () => {
  farm = await startApiFarm({ ADMIN_KEYS: ADMIN_KEY });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  redis?.disconnect();
  await farm?.stop();
});

async function scrape(): Promise<string> {
  const res = await farm.http().get('/metrics').set('Authorization', `Bearer ${ADMIN_KEY}`);
  expect(res.status).toBe(200);
  return res.text;
}

const requests = (text: string, labels: Record<string, string>) =>
  metricValue(text, 'tinysaver_http_requests_total', labels) ?? 0;

it('answers 401 without a key and with a tenant key, 200 text/plain with the admin key', async () => {
  const none = await farm.http().get('/metrics');
  expect(none.status).toBe(401);
  expect(errorOf(none).code).toBe('missing-admin-key');
  expect(none.headers['www-authenticate']).toBe('Basic realm="tinysaver-admin"');

  for (const auth of [`Bearer ${KEYS.acme}`, basicAuth(KEYS.acme)]) {
    const tenant = await farm.http().get('/metrics').set('Authorization', auth);
    expect(tenant.status).toBe(401);
    expect(errorOf(tenant)).toEqual({
      code: 'invalid-admin-key',
      message: expect.stringMatching(/ADMIN_KEYS/) as string,
    });
  }

  const basic = await farm.http().get('/metrics').set('Authorization', basicAuth(ADMIN_KEY));
  expect(basic.status).toBe(200);
  expect(basic.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4\b/);
  // Process metrics share the prefix and the registry.
  expect(basic.text).toMatch(/^tinysaver_process_cpu_user_seconds_total \d/m);
  expect(basic.text).toMatch(/^tinysaver_nodejs_eventloop_lag_seconds \d/m);
});

it('counts requests by route template, with 401s, 404s and unmatched routes', async () => {
  const before = await scrape();
  const model = { method: 'GET', route: '/v1/models/:name', status: '404' };
  const unauthorized = { method: 'GET', route: '/v1/models', status: '401' };
  const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
  const metrics401 = { method: 'GET', route: '/metrics', status: '401' };

  expect((await farm.as('acme').get('/v1/models/no-such-model')).status).toBe(404);
  expect((await farm.as('acme').get('/v1/models/other-model')).status).toBe(404);
  expect((await farm.http().get('/v1/models')).status).toBe(401);
  expect((await farm.as('acme').get('/v2/nothing/here')).status).toBe(404);
  expect((await farm.http().get('/metrics')).status).toBe(401);

  const after = await scrape();
  expect(requests(after, model) - requests(before, model)).toBe(2);
  expect(requests(after, unauthorized) - requests(before, unauthorized)).toBe(1);
  expect(requests(after, unmatched) - requests(before, unmatched)).toBe(1);
  expect(requests(after, metrics401) - requests(before, metrics401)).toBe(1);
  // Templates only: a raw path would make one series per model name.
  expect(after).not.toMatch(/no-such-model|other-model|\/v2\/nothing/);
  expect(
    metricValue(after, 'tinysaver_http_request_duration_seconds_count', {
      method: 'GET',
      route: '/v1/models/:name',
    }),
  ).toBeGreaterThanOrEqual(2);
});

it('shows queue depth per queue and state, read at scrape time', async () => {
  const [name] = QUEUE_NAMES;
  const queue = new Queue(name, { connection: redis, prefix: farm.queuePrefix });
  try {
    await queue.add('probe', { probe: true });
    const text = await scrape();
    expect(metricValue(text, 'tinysaver_queue_jobs', { queue: name, state: 'waiting' })).toBe(1);
    // Every queue of the contract, every state: a zero is reported, not left out.
    for (const each of QUEUE_NAMES)
      for (const state of ['active', 'delayed', 'prioritized', 'failed', 'completed', 'paused'])
        expect(metricValue(text, 'tinysaver_queue_jobs', { queue: each, state })).toBe(0);
    expect(
      metricValue(text, 'tinysaver_queue_jobs', { queue: name, state: 'waiting-children' }),
    ).toBe(0);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  const emptied = await scrape();
  expect(metricValue(emptied, 'tinysaver_queue_jobs', { queue: name, state: 'waiting' })).toBe(0);
});

it('counts finished jobs by outcome and observes their run time', async () => {
  const name = QUEUE_NAMES[1];
  const queue = new Queue(name, { connection: redis, prefix: farm.queuePrefix });
  // A throwaway worker: the API only watches events, whoever runs the jobs.
  const worker = new Worker(
    name,
    async (job) => {
      await new Promise((r) => setTimeout(r, 120));
      if ((job.data as { fail?: boolean }).fail) throw new Error('planned failure');
    },
    { connection: redis, prefix: farm.queuePrefix },
  );
  try {
    await queue.add('ok', {}, { attempts: 1 });
    await queue.add('bad', { fail: true }, { attempts: 1 });
    const text = await eventually(async () => {
      const scraped = await scrape();
      const count = metricValue(scraped, 'tinysaver_job_duration_seconds_count', { queue: name });
      return count === 2 ? scraped : undefined;
    }, 30_000);
    const finished = (outcome: string) =>
      metricValue(text, 'tinysaver_jobs_finished_total', { queue: name, outcome });
    expect(finished('completed')).toBe(1);
    expect(finished('failed')).toBe(1);
    // Both ran ≥ 120 ms: the histogram holds run times, not zeros.
    expect(
      metricValue(text, 'tinysaver_job_duration_seconds_sum', { queue: name }),
    ).toBeGreaterThanOrEqual(0.24);
    expect(
      metricValue(text, 'tinysaver_job_duration_seconds_bucket', { queue: name, le: '0.1' }),
    ).toBe(0);
    expect(metricValue(text, 'tinysaver_queue_jobs', { queue: name, state: 'completed' })).toBe(1);
  } finally {
    await worker.close();
    await queue.close();
  }
});

describe('GET /metrics/backlog (what an autoscaler scales workers on)', () => {
  const backlog = (query = '') =>
    farm.http().get(`/metrics/backlog${query}`).set('Authorization', `Bearer ${ADMIN_KEY}`);

  it('counts waiting, prioritized and active jobs of the inference queues by default', async () => {
    const records = new Queue(QueueName.Records, { connection: redis, prefix: farm.queuePrefix });
    const cascade = new Queue(QueueName.Cascade, { connection: redis, prefix: farm.queuePrefix });
    const aggregate = new Queue(QueueName.Aggregate, {
      connection: redis,
      prefix: farm.queuePrefix,
    });
    // Holds one records job active until released.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker(QueueName.Records, () => held, {
      connection: redis,
      prefix: farm.queuePrefix,
      autorun: false,
    });
    try {
      await records.add('first', {});
      await records.add('plain', {});
      // Prioritized jobs live in a sorted set: a list length would not see these two.
      await records.add('urgent', {}, { priority: 1 });
      await cascade.add('urgent', {}, { priority: 3 });
      await aggregate.add('search', {});
      void worker.run();
      await eventually(async () => ((await records.getActiveCount()) === 1 ? true : undefined));

      const res = await backlog();
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        backlog: 4,
        queues: {
          'tinysaver-records': { waiting: 1, prioritized: 1, active: 1 },
          'tinysaver-profile': { waiting: 0, prioritized: 0, active: 0 },
          'tinysaver-cascade': { waiting: 0, prioritized: 1, active: 0 },
        },
      });
      const chosen = await backlog('?queues=aggregate,tinysaver-cascade,aggregate');
      expect(chosen.body).toEqual({
        backlog: 2,
        queues: {
          'tinysaver-aggregate': { waiting: 1, prioritized: 0, active: 0 },
          'tinysaver-cascade': { waiting: 0, prioritized: 1, active: 0 },
        },
      });
    } finally {
      release();
      await worker.close();
      for (const queue of [records, cascade, aggregate]) {
        await queue.obliterate({ force: true });
        await queue.close();
      }
    }
  });

  it('names the queues it knows when given another, and wants the admin key', async () => {
    const res = await backlog('?queues=records,train');
    expect(res.status).toBe(400);
    expect(errorOf(res)).toEqual({
      code: 'invalid-request',
      message: expect.stringMatching(
        /'train' is not a queue; use profile, records, cascade, aggregate/,
      ) as string,
    });
    const none = await farm.http().get('/metrics/backlog');
    expect([none.status, errorOf(none).code]).toEqual([401, 'missing-admin-key']);
  });
});

it('answers the liveness probe without a key', async () => {
  const res = await farm.http().get('/health/live');
  expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
});
