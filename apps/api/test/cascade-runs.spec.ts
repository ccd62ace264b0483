// Cascade runs through REST: the saver and base run for real, gated, on a registered dataset,
// and the realised numbers are set against what the two models' records predict.
import type { CascadeRunView } from '../src/cascade-runs/cascade-run-document';
import { errorOf, eventually, startApiFarm, type ApiFarm } from './api-fixture';
import { registerZooModels, registerZooShards } from './zoo';

jest.setTimeout(300_000);

let farm: ApiFarm;
beforeAll(async () => {
  farm = await startApiFarm();
  farm.startWorker();
  await registerZooModels(farm, 'acme', ['cnn-tiny', 'resnet-8']);
  await registerZooShards(farm, 'acme', 'eval', 'evaluation', [0]);
});
afterAll(() => farm.stop());

it('runs the cascade for real and matches the simulation from records exactly', async () => {
  const res = await farm
    .as('acme')
    .post('/v1/cascade-runs')
    .send({ saver: 'cnn-tiny', base: 'resnet-8', threshold: 0.9, dataset: 'eval' });
  expect(res.status).toBe(202);
  const { id } = res.body as CascadeRunView;
  expect(res.body).toMatchObject({ status: 'queued', progress: { shards: 0, total: 1 } });
  const run = await eventually(async () => {
    const view = (await farm.as('acme').get(`/v1/cascade-runs/${id}`)).body as CascadeRunView;
    if (view.status === 'failed') throw new Error(JSON.stringify(view.error));
    return view.status === 'completed' ? view : undefined;
  }, 240_000);
  const { realised, simulated, difference } = run.result!;
  expect(realised.samples).toBe(2500);
  expect(realised.saver).toMatchObject({ model: 'cnn-tiny', samples: 2500 });
  expect(realised.base).toMatchObject({ model: 'resnet-8', samples: 2500 - realised.exits });
  expect(realised.baseline).toMatchObject({ model: 'resnet-8', samples: 2500 });
  expect(realised.exits).toBeGreaterThan(0);
  expect(realised.exits).toBeLessThan(2500);
  expect(simulated.exits).toBe(realised.exits);
  expect(simulated.correct).toBe(realised.correct);
  expect(difference).toEqual({ exits: 0, correct: 0 });
  expect(realised.relativeCost).toBeCloseTo(simulated.relativeCost, 12);
  expect(realised.speedup).toBeGreaterThan(0);

  expect((await farm.as('acme').get('/v1/cascade-runs')).body).toEqual({ cascadeRuns: [run] });
  const other = await farm.as('globex').get(`/v1/cascade-runs/${id}`);
  expect([other.status, errorOf(other).code]).toEqual([404, 'cascade-run-not-found']);
});

const ok = { saver: 'cnn-tiny', base: 'resnet-8', threshold: 0.5, dataset: 'eval' };
it.each([
  ['an unknown field', { ...ok, batch: 4 }, 400, 'invalid-request'],
  ['a threshold over 1', { ...ok, threshold: 1.2 }, 400, 'invalid-request'],
  ['a saver not cheaper', { ...ok, saver: 'resnet-8', base: 'cnn-tiny' }, 400, 'saver-not-cheaper'],
  ['the same model twice', { ...ok, saver: 'resnet-8' }, 400, 'saver-not-cheaper'],
  ['an unknown model', { ...ok, saver: 'nope' }, 400, 'unknown-model'],
  ['an unknown dataset', { ...ok, dataset: 'nope' }, 400, 'unknown-dataset'],
])('refuses %s', async (_what, body, status, code) => {
  const res = await farm.as('acme').post('/v1/cascade-runs').send(body);
  expect([res.status, errorOf(res).code]).toEqual([status, code]);
  expect(errorOf(res).message.length).toBeGreaterThan(20);
});
