// Searches through REST with real Redis, s3rver and real workers on the bundled zoo: submit, poll,
// results, curves, what-if, reuse of existing records, cancel, failure, and tenant isolation.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName, type SearchResultsDocument } from '@tinysaver/contracts';
import type { SearchView } from '../src/searches/search-view';
import type { AppProcess } from '@tinysaver/testkit';
import { errorOf, eventually, FIXTURES, startApiFarm, type ApiFarm } from './api-fixture';
import { readZooManifest, registerZooModels, registerZooShards } from './zoo';

jest.setTimeout(300_000);

const MODELS = ['linear', 'mlp-64', 'cnn-tiny', 'resnet-8'];

let farm: ApiFarm;
let redis: Redis;
let worker: AppProcess;
beforeAll(async () => {
  farm = await startApiFarm();
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  worker = farm.startWorker();
  await registerZooModels(farm, 'acme', MODELS);
  await registerZooShards(farm, 'acme', 'sel', 'selection', [0]);
  await registerZooShards(farm, 'acme', 'eval', 'evaluation', [1]);
});
afterAll(async () => {
  redis.disconnect();
  await farm.stop();
});

async function finished(id: string, tenant: 'acme' | 'globex' = 'acme'): Promise<SearchView> {
  return eventually(async () => {
    const view = (await farm.as(tenant).get(`/v1/searches/${id}`)).body as SearchView;
    return ['queued', 'running'].includes(view.status) ? undefined : view;
  }, 240_000);
}

async function recordsJobs(): Promise<number> {
  const queue = new Queue(QueueName.Records, { connection: redis, prefix: farm.queuePrefix });
  const counts = await queue.getJobCounts();
  await queue.close();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function submit(body: object, tenant: 'acme' | 'globex' = 'acme'): Promise<string> {
  const res = await farm.as(tenant).post('/v1/searches').send(body);
  if (res.status !== 202) throw new Error(`search refused: ${JSON.stringify(res.body)}`);
  return (res.body as SearchView).id;
}

describe('a search over the zoo', () => {
  let id: string;
  let results: SearchResultsDocument;

  it('is accepted, runs and completes with ranked savers for every base', async () => {
    const res = await farm
      .as('acme')
      .post('/v1/searches')
      .send({ bases: ['resnet-8', 'cnn-tiny'], selection: 'sel', evaluation: 'eval' });
    expect(res.status).toBe(202);
    const submitted = res.body as SearchView;
    expect(submitted).toMatchObject({
      status: 'queued',
      progress: { done: 0, total: 4 * 2, phase: 'records' },
    });
    id = submitted.id;
    const view = await finished(id);
    expect(view).toMatchObject({
      id,
      status: 'completed',
      progress: { done: 8, total: 8, phase: 'done' },
    });
    const got = await farm.as('acme').get(`/v1/searches/${id}/results`);
    expect(got.status).toBe(200);
    results = got.body as SearchResultsDocument;
    expect(results.records).toEqual({ needed: 8, reused: 0 });
    expect(results.selection).toEqual({ dataset: 'sel', samples: 2500 });
    expect(results.evaluation).toEqual({ dataset: 'eval', samples: 2500 });
    expect(results.bases.map((b) => b.model)).toEqual(['resnet-8', 'cnn-tiny']);
    const zoo = await readZooManifest();
    const macs = new Map(zoo.map((m) => [m.name, m.macs]));
    for (const base of results.bases) {
      const cheaper = MODELS.filter((m) => macs.get(m)! < macs.get(base.model)!);
      expect(base.savers.map((s) => s.model).sort()).toEqual([...cheaper].sort());
      expect(base.savers.map((s) => s.rank)).toEqual(cheaper.map((_, i) => i + 1));
      const deltas = base.savers.map((s) => s.deltaC);
      expect([...deltas].sort((a, b) => a - b)).toEqual(deltas);
      expect(base.best).toBe(base.savers[0].model);
      for (const saver of base.savers) {
        expect(saver.budgets.map((b) => b.drop)).toEqual([0.01, 0.5, 1]);
        for (const budget of saver.budgets)
          expect(budget.selection.accuracyDrop).toBeLessThanOrEqual(budget.drop + 1e-9);
      }
    }
  });

  it('serves grid and exact curves and what-if answers from the records', async () => {
    const base = results.bases[0];
    const saver = base.savers[0];
    const path = `/v1/searches/${id}/curves/${base.model}/${saver.model}`;
    const grid = await farm.as('acme').get(`${path}?split=selection`);
    expect(grid.status).toBe(200);
    const columns = grid.body as { threshold: number[]; exits: number[]; frontier: number[] };
    expect(columns.threshold).toHaveLength(1001);
    expect(columns.threshold[503]).toBeCloseTo(0.503, 12);
    // The match row's exits, read back from the curve at its threshold.
    const k = Math.round(saver.match.threshold * 1000);
    expect(columns.exits[k]).toBe(saver.match.exits);

    const exact = await farm.as('acme').get(`${path}?split=evaluation&exact=true`);
    expect(exact.status).toBe(200);
    expect((exact.body as { threshold: number[] }).threshold.length).toBeGreaterThan(100);

    const budget = saver.budgets[1];
    const byBudget = await farm
      .as('acme')
      .get(`/v1/searches/${id}/what-if/${base.model}/${saver.model}?budget=${budget.drop}`);
    expect(byBudget.status).toBe(200);
    expect(byBudget.body).toMatchObject({
      threshold: budget.threshold,
      selection: budget.selection,
      evaluation: budget.evaluation,
    });
    const byThreshold = await farm
      .as('acme')
      .get(`/v1/searches/${id}/what-if/${base.model}/${saver.model}?threshold=${budget.threshold}`);
    expect(byThreshold.body).toMatchObject({ evaluation: budget.evaluation });
  });
});

describe('records that exist', () => {
  it('are reused: a search over them completes without queueing any inference', async () => {
    const before = await recordsJobs();
    const id = await submit({
      bases: ['cnn-tiny'],
      savers: ['linear', 'mlp-64'],
      selection: 'sel',
      evaluation: 'eval',
    });
    expect(await finished(id)).toMatchObject({ status: 'completed' });
    const results = (await farm.as('acme').get(`/v1/searches/${id}/results`))
      .body as SearchResultsDocument;
    expect(results.records).toEqual({ needed: 6, reused: 6 });
    expect(await recordsJobs()).toBe(before);
    expect(results.bases[0].savers.map((s) => s.model).sort()).toEqual(['linear', 'mlp-64']);
  });

  it('reports a base with no cheaper model under "all-cheaper" with no savers', async () => {
    const id = await submit({ bases: ['linear'], selection: 'sel', evaluation: 'eval' });
    expect(await finished(id)).toMatchObject({ status: 'completed' });
    const results = (await farm.as('acme').get(`/v1/searches/${id}/results`))
      .body as SearchResultsDocument;
    expect(results.bases).toEqual([
      expect.objectContaining({ model: 'linear', best: null, savers: [] }),
    ]);
  });

  it('computes records deleted by hand again, and nothing else', async () => {
    // Every record of one shard goes: the missing work is exactly the finished records job of the
    // first search, which is taken out and queued again rather than trusted.
    const listed = await farm.s3.client.send(
      new ListObjectsV2Command({ Bucket: farm.bucket, Prefix: 'farm/records/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    const shardFile = keys[0].slice(keys[0].lastIndexOf('/'));
    const gone = keys.filter((k) => k.endsWith(shardFile));
    expect(gone).toHaveLength(MODELS.length);
    for (const Key of gone)
      await farm.s3.client.send(new DeleteObjectCommand({ Bucket: farm.bucket, Key }));
    const before = await recordsJobs();

    const id = await submit({
      bases: ['resnet-8', 'cnn-tiny'],
      selection: 'sel',
      evaluation: 'eval',
    });
    expect(await finished(id)).toMatchObject({ status: 'completed' });
    const results = (await farm.as('acme').get(`/v1/searches/${id}/results`))
      .body as SearchResultsDocument;
    expect(results.records).toEqual({ needed: 8, reused: 4 });
    expect(await recordsJobs()).toBe(before);
    for (const Key of gone)
      await farm.s3.client.send(new HeadObjectCommand({ Bucket: farm.bucket, Key }));
  });
});

describe('cancelling', () => {
  beforeAll(async () => {
    // Only searches are served meanwhile: records jobs wait, so there is something to cancel.
    await worker.kill('SIGTERM');
    worker = farm.startWorker({ WORKER_QUEUES: 'aggregate' });
    await registerZooShards(farm, 'acme', 'eval-more', 'evaluation', [2]);
  });
  afterAll(async () => {
    await worker.kill('SIGTERM');
    worker = farm.startWorker();
  });

  const body = { bases: ['cnn-tiny'], selection: 'sel', evaluation: 'eval-more' };
  /** Resolves once every records job some live search waits on is claimed by `searches` of them. */
  const claimedBy = (searches: number) =>
    eventually(async () => {
      const keys = await redis.keys(`${farm.queuePrefix}:tinysaver:records-refs:*`);
      const counts = await Promise.all(keys.map((k) => redis.scard(k)));
      return keys.length > 0 && counts.every((c) => c === searches) ? true : undefined;
    });

  it('stops a search, removes the records jobs nobody else needs, and keeps it cancelled', async () => {
    const before = await recordsJobs();
    expect(before).toBeGreaterThan(0); // the first search's finished jobs
    const id = await submit(body);
    await claimedBy(1);
    const res = await farm.as('acme').delete(`/v1/searches/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'cancelled' });
    expect(await recordsJobs()).toBe(before);
    expect((await farm.as('acme').get(`/v1/searches/${id}`)).body).toMatchObject({
      status: 'cancelled',
    });
    const results = await farm.as('acme').get(`/v1/searches/${id}/results`);
    expect(results.status).toBe(409);
    expect(errorOf(results).code).toBe('search-not-completed');
    const again = await farm.as('acme').delete(`/v1/searches/${id}`);
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe('search-ended');
  });

  it('keeps records jobs another live search still waits for', async () => {
    const before = await recordsJobs();
    const first = await submit(body);
    await claimedBy(1);
    const second = await submit(body);
    await claimedBy(2);
    const queued = await recordsJobs();
    await farm.as('acme').delete(`/v1/searches/${first}`);
    expect(await recordsJobs()).toBe(queued);
    await farm.as('acme').delete(`/v1/searches/${second}`);
    expect(await recordsJobs()).toBe(before);
  });
});

describe('a records job that fails', () => {
  it('fails the search with the job’s reason, naming the shard', async () => {
    await registerZooShards(farm, 'acme', 'replaced', 'selection', [3]);
    // The shard changes after registration: the worker refuses bytes the dataset was not pinned to.
    await farm.put(
      'farm/datasets/acme-replaced/selection-000003.tar.gz',
      new Uint8Array([1, 2, 3]),
    );
    const id = await submit({ bases: ['mlp-64'], selection: 'replaced', evaluation: 'eval' });
    const view = await finished(id);
    expect(view.status).toBe('failed');
    expect(view.error!.code).toBe('records-failed');
    expect(view.error!.message).toMatch(/shard 'selection-000003\.tar\.gz'.*object-changed/);
    const results = await farm.as('acme').get(`/v1/searches/${id}/results`);
    expect(results.status).toBe(409);
  });

  it('is retried by a later search once the cause is fixed', async () => {
    // The pinned bytes come back: the failure the first search saw is stale for the next one.
    await farm.put(
      'farm/datasets/acme-replaced/selection-000003.tar.gz',
      await readFile(
        join(FIXTURES, 'datasets', 'fashion-mnist-selection', 'selection-000003.tar.gz'),
      ),
    );
    const id = await submit({ bases: ['mlp-64'], selection: 'replaced', evaluation: 'eval' });
    expect(await finished(id)).toMatchObject({ status: 'completed' });
  });
});

describe('tenants', () => {
  it('never see or touch another tenant’s searches', async () => {
    const [search] = (
      (await farm.as('acme').get('/v1/searches')).body as { searches: SearchView[] }
    ).searches;
    expect(search).toBeDefined();
    const paths = [
      `/v1/searches/${search.id}`,
      `/v1/searches/${search.id}/results`,
      `/v1/searches/${search.id}/curves/resnet-8/linear`,
      `/v1/searches/${search.id}/what-if/resnet-8/linear?threshold=0.5`,
    ];
    for (const path of paths) {
      const res = await farm.as('globex').get(path);
      expect([path, res.status, errorOf(res).code]).toEqual([path, 404, 'search-not-found']);
    }
    const cancel = await farm.as('globex').delete(`/v1/searches/${search.id}`);
    expect(cancel.status).toBe(404);
    expect((await farm.as('globex').get('/v1/searches')).body).toEqual({ searches: [] });
    // Nor can they search over another tenant's models or datasets.
    const res = await farm
      .as('globex')
      .post('/v1/searches')
      .send({ bases: ['resnet-8'], selection: 'sel', evaluation: 'eval' });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('unknown-dataset');
  });
});

describe('bad requests', () => {
  let completed: string;
  beforeAll(async () => {
    const { searches } = (await farm.as('acme').get('/v1/searches')).body as {
      searches: SearchView[];
    };
    completed = searches.find(
      (s) => s.status === 'completed' && s.request.bases[0] === 'resnet-8',
    )!.id;
    // A model that never got its upload: registered, not ready.
    await farm
      .as('acme')
      .post('/v1/models')
      .send({ name: 'pending', preprocess: { inputSize: [1, 28, 28] } });
  });

  const ok = { bases: ['resnet-8'], selection: 'sel', evaluation: 'eval' };
  it.each([
    ['an unknown field', { ...ok, extra: 1 }, 400, 'invalid-request', /extra/],
    ['a wrong type', { ...ok, bases: 'resnet-8' }, 400, 'invalid-request', /bases/],
    ['no bases', { ...ok, bases: [] }, 400, 'invalid-request', /bases/],
    [
      'a base named twice',
      { ...ok, bases: ['resnet-8', 'resnet-8'] },
      400,
      'invalid-request',
      /twice/,
    ],
    [
      'a saver named twice',
      { ...ok, savers: ['linear', 'linear'] },
      400,
      'invalid-request',
      /twice/,
    ],
    ['a budget over 100', { ...ok, budgets: [101] }, 400, 'invalid-request', /0 to 100/],
    ['a negative budget', { ...ok, budgets: [-0.5] }, 400, 'invalid-request', /0 to 100/],
    ['topK 0', { ...ok, topK: 0 }, 400, 'invalid-request', /topK/],
    ['an unknown model', { ...ok, bases: ['resnet-9'] }, 400, 'unknown-model', /'resnet-9'/],
    ['an unknown saver', { ...ok, savers: ['tiny-x'] }, 400, 'unknown-model', /'tiny-x'/],
    ['an unknown dataset', { ...ok, evaluation: 'nope' }, 400, 'unknown-dataset', /'nope'/],
    ['a model not ready', { ...ok, bases: ['pending'] }, 409, 'model-not-ready', /'pending'/],
    [
      'savers that leave a base without a cheaper one',
      { ...ok, bases: ['linear', 'resnet-8'], savers: ['mlp-64'] },
      400,
      'no-cheaper-saver',
      /Base 'linear'/,
    ],
  ])('refuses %s', async (_what, body, status, code, message) => {
    const res = await farm.as('acme').post('/v1/searches').send(body);
    expect([res.status, errorOf(res).code]).toEqual([status, code]);
    expect(errorOf(res).message).toMatch(message);
  });

  it('refuses a dataset whose classes differ from the models’', async () => {
    const folder = `s3://${farm.bucket}/farm/datasets/acme-sel`;
    const reg = await farm
      .as('acme')
      .post('/v1/datasets')
      .send({ name: 'sel-12', uri: folder, numClasses: 12 });
    expect(reg.status).toBe(201);
    const res = await farm
      .as('acme')
      .post('/v1/searches')
      .send({ ...ok, selection: 'sel-12' });
    expect([res.status, errorOf(res).code]).toEqual([400, 'classes-mismatch']);
    expect(errorOf(res).message).toMatch(/12/);
  });

  it('refuses malformed JSON and oversized bodies', async () => {
    const bad = await farm
      .as('acme')
      .post('/v1/searches')
      .set('Content-Type', 'application/json')
      .send('{"bases": [');
    expect([bad.status, errorOf(bad).code]).toEqual([400, 'malformed-json']);
    const big = await farm
      .as('acme')
      .post('/v1/searches')
      .send({ ...ok, pad: 'x'.repeat(2 * 1024 * 1024) });
    expect([big.status, errorOf(big).code]).toEqual([413, 'body-too-large']);
  });

  it.each([
    ['an unknown split', 'curves/resnet-8/linear?split=test', 400, 'invalid-request'],
    ['a non-boolean exact', 'curves/resnet-8/linear?exact=yes', 400, 'invalid-request'],
    ['an unknown query field', 'curves/resnet-8/linear?foo=1', 400, 'invalid-request'],
    ['a pair the search never made', 'curves/linear/resnet-8', 404, 'pair-not-in-search'],
    ['a saver not cheaper', 'what-if/resnet-8/resnet-8?threshold=0.5', 404, 'pair-not-in-search'],
    [
      'both threshold and budget',
      'what-if/resnet-8/linear?threshold=0.5&budget=1',
      400,
      'invalid-request',
    ],
    ['neither threshold nor budget', 'what-if/resnet-8/linear', 400, 'invalid-request'],
    ['a threshold over 1', 'what-if/resnet-8/linear?threshold=1.5', 400, 'invalid-request'],
    ['a non-numeric budget', 'what-if/resnet-8/linear?budget=half', 400, 'invalid-request'],
  ])('refuses a pair query with %s', async (_what, path, status, code) => {
    const res = await farm.as('acme').get(`/v1/searches/${completed}/${path}`);
    expect([res.status, errorOf(res).code]).toEqual([status, code]);
  });

  it('answers 404 for an unknown search and 400 for a malformed id', async () => {
    const unknown = await farm.as('acme').get('/v1/searches/s-nope');
    expect([unknown.status, errorOf(unknown).code]).toEqual([404, 'search-not-found']);
    const malformed = await farm.as('acme').get('/v1/searches/..%2F..');
    expect(malformed.status).toBe(400);
  });
});
