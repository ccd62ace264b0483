// Admin keys (ADMIN_KEYS) and the read-only queue dashboard at /admin/queues (bull-board).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@tinysaver/contracts';
import {
  ADMIN_KEY,
  basicAuth,
  errorOf,
  KEYS,
  metricValue,
  startApiFarm,
  type ApiFarm,
} from './api-fixture';

jest.setTimeout(90_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('with ADMIN_KEYS', () => {
  let farm: ApiFarm;
  beforeAll(async () => {
    farm = await startApiFarm({ ADMIN_KEYS: `other-admin-key-0123456789,${ADMIN_KEY}` });
  });
  afterAll(() => farm?.stop());

  const dashboard = (path = '', auth?: string) => {
    const req = farm.http().get(`/admin/queues${path}`);
    return auth === undefined ? req : req.set('Authorization', auth);
  };

  it('asks a browser for credentials (401 + WWW-Authenticate) and refuses tenant keys', async () => {
    const none = await dashboard();
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="tinysaver-admin"');
    expect(errorOf(none).code).toBe('missing-admin-key');
    // Assets and the JSON API sit behind the same check.
    expect((await dashboard('/api/queues')).status).toBe(401);

    for (const auth of [
      basicAuth(KEYS.acme),
      `Bearer ${KEYS.globex}`,
      basicAuth('wrong-key-0123456789'),
    ]) {
      const refused = await dashboard('', auth);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Basic realm="tinysaver-admin"');
      expect(errorOf(refused).code).toBe('invalid-admin-key');
    }
  });

  it('serves the dashboard page to Basic auth with an admin key as password', async () => {
    const page = await dashboard('', basicAuth(ADMIN_KEY, 'anyone'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>TinySaver queues</title>');
    // The page loads its assets from the mount point.
    expect(page.text).toContain('/admin/queues/');
  });

  it('lists every queue of the contract, read-only, under the configured queue prefix', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAMES[0], { connection: redis, prefix: farm.queuePrefix });
    try {
      const job = await queue.add('probe', { probe: true });
      const res = await dashboard('/api/queues', `Bearer ${ADMIN_KEY}`);
      expect(res.status).toBe(200);
      const queues = (
        res.body as {
          queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[];
        }
      ).queues;
      expect(queues.map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
      expect(queues.every((q) => q.readOnlyMode)).toBe(true);
      // The job added under this farm's prefix is what the board counts.
      expect(queues.find((q) => q.name === QUEUE_NAMES[0])?.counts.waiting).toBe(1);

      // Read-only: the board's own API refuses to remove (or retry) a job.
      const clean = await farm
        .http()
        .put(`/admin/queues/api/queues/${QUEUE_NAMES[0]}/${job.id}/clean`)
        .set('Authorization', basicAuth(ADMIN_KEY));
      expect(clean.status).toBe(405);
      expect(await queue.getJobState(job.id!)).toBe('waiting');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });

  it('keeps admin and tenant keys apart', async () => {
    const asTenant = await farm
      .http()
      .get('/v1/models')
      .set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(asTenant.status).toBe(401);
    expect(errorOf(asTenant).code).toBe('invalid-api-key');
    expect((await farm.as('acme').get('/v1/models')).status).toBe(200);
  });

  it('counts dashboard requests under the mount point, never raw paths', async () => {
    await dashboard('/queue/some-queue-name');
    const text = (await farm.http().get('/metrics').set('Authorization', `Bearer ${ADMIN_KEY}`))
      .text;
    expect(
      metricValue(text, 'tinysaver_http_requests_total', {
        method: 'GET',
        route: '/admin/queues/*',
        status: '401',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(text, 'tinysaver_http_requests_total', {
        method: 'GET',
        route: '/admin/queues/api/queues',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('some-queue-name');
  });
});

describe('without ADMIN_KEYS', () => {
  let farm: ApiFarm;
  beforeAll(async () => {
    farm = await startApiFarm();
  });
  afterAll(() => farm?.stop());

  it('answers 403 admin-disabled on /metrics and /admin/queues, whatever the key', async () => {
    for (const path of ['/metrics', '/admin/queues', '/admin/queues/api/queues'])
      for (const auth of [undefined, `Bearer ${KEYS.acme}`, basicAuth(ADMIN_KEY)]) {
        const req = farm.http().get(path);
        const res = auth === undefined ? await req : await req.set('Authorization', auth);
        expect(res.status).toBe(403);
        expect(errorOf(res)).toEqual({
          code: 'admin-disabled',
          message: expect.stringMatching(/set ADMIN_KEYS/) as string,
        });
      }
    // Tenants are unaffected.
    expect((await farm.as('acme').get('/v1/models')).status).toBe(200);
  });
});
