// Mutating routes are limited per tenant per minute (counted in Redis, shared by replicas).
import { startApiFarm, type ApiFarm } from './api-fixture';

jest.setTimeout(90_000);

let farm: ApiFarm;
beforeAll(async () => {
  farm = await startApiFarm({ WRITES_PER_MINUTE: '3' });
});
afterAll(() => farm.stop());

it('refuses the 4th write in a minute with 429 and Retry-After; reads and other tenants go on', async () => {
  // The window is the wall-clock minute: do not straddle its end.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
  const write = (tenant: 'acme' | 'globex') =>
    farm
      .as(tenant)
      .post('/v1/datasets')
      .send({ name: 'd', uri: `s3://${farm.bucket}/farm/none` });
  for (let i = 0; i < 3; i++) expect((await write('acme')).status).toBe(400);
  const limited = await write('acme');
  expect(limited.status).toBe(429);
  expect(limited.body).toEqual({
    error: {
      code: 'rate-limited',
      message: expect.stringMatching(
        /^Tenant 'acme' made more than 3 changes this minute; retry after \d+ s\.$/,
      ) as string,
    },
  });
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect((await farm.as('acme').get('/v1/models')).status).toBe(200);
  expect((await write('globex')).status).toBe(400);
});
