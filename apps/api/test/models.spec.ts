// Models through REST with real Redis, s3rver and a real worker: register, profile, show; and
// every way a registration can be wrong, each a 4xx with a code and a sentence.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { ModelView } from '../src/models/model-document';
import { readZooManifest } from './zoo';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, FIXTURES, startApiFarm, type ApiFarm, errorOf } from './api-fixture';

jest.setTimeout(120_000);

let farm: ApiFarm;
beforeAll(async () => {
  farm = await startApiFarm();
  farm.startWorker();
});
afterAll(() => farm.stop());

const grey = { inputSize: [1, 28, 28], cropPct: 1, mean: [0.286], std: [0.353] };

describe('POST /v1/models with a uri', () => {
  it('registers, profiles with a real worker, and shows the profile', async () => {
    const zoo = await readZooManifest();
    const cnn = zoo.find((m) => m.name === 'cnn-small')!;
    const uri = await farm.uploadZooModel('cnn-small');
    const created = await farm
      .as('acme')
      .post('/v1/models')
      .send({ name: 'cnn-small', uri, preprocess: grey });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      name: 'cnn-small',
      status: 'profiling',
      sha256: cnn.sha256,
      uri,
    });
    expect((created.body as ModelView).preprocess).toMatchObject({
      inputSize: [1, 28, 28],
      channels: 'L',
      layout: 'NCHW',
    });

    const ready = await eventually(async () => {
      const shown = await farm.as('acme').get('/v1/models/cnn-small');
      return (shown.body as ModelView).status === 'profiling' ? undefined : shown;
    });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      profile: {
        macs: cnn.macs,
        classes: 10,
        inputSize: [1, 28, 28],
        complete: true,
        executionProvider: 'cpu',
      },
    });
    const listed = await farm.as('acme').get('/v1/models');
    expect((listed.body as { models: ModelView[] }).models.map((m) => m.name)).toEqual([
      'cnn-small',
    ]);
  });

  it('profiles again when the profile is gone though its job finished long ago', async () => {
    // As after S3 data was lost, or a fresh bucket used with a Redis that kept the finished job.
    await farm.s3.client.send(
      new DeleteObjectCommand({
        Bucket: farm.bucket,
        Key: 'farm/tenants/acme/models/cnn-small/profile.json',
      }),
    );
    const again = await farm.as('acme').get('/v1/models/cnn-small');
    expect((again.body as ModelView).status).toBe('profiling');
    const ready = await eventually(async () => {
      const shown = await farm.as('acme').get('/v1/models/cnn-small');
      return (shown.body as ModelView).status === 'ready' ? shown : undefined;
    });
    expect((ready.body as ModelView).profile).toMatchObject({ classes: 10 });
  });

  it('shows an invalid model with the reason', async () => {
    await farm.put('farm/uploads/notes.onnx', 'just some text');
    const created = await farm
      .as('acme')
      .post('/v1/models')
      .send({
        name: 'notes',
        uri: `s3://${farm.bucket}/farm/uploads/notes.onnx`,
        preprocess: grey,
      });
    expect(created.status).toBe(202);
    const shown = await eventually(async () => {
      const res = await farm.as('acme').get('/v1/models/notes');
      return (res.body as ModelView).status === 'profiling' ? undefined : res;
    });
    expect(shown.body).toMatchObject({ status: 'invalid', reason: { code: 'model-not-onnx' } });
    expect((shown.body as ModelView).reason?.message).toMatch(/not an ONNX model/);
  });
});

describe('tenants', () => {
  it("never see each other's models (404, not 403)", async () => {
    const other = await farm.as('globex').get('/v1/models/cnn-small');
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      error: {
        code: 'model-not-found',
        message: "No model named 'cnn-small'; register it with POST /v1/models.",
      },
    });
    expect((await farm.as('globex').get('/v1/models')).body).toEqual({ models: [] });
  });

  it('need a valid key on every route but /health', async () => {
    expect(errorOf(await farm.http().get('/v1/models')).code).toBe('missing-api-key');
    const wrong = await farm.http().get('/v1/models').set('Authorization', 'Bearer not-a-key');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('invalid-api-key');
    const health = await farm.http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok', redis: 'ok', s3: 'ok' });
  });
});

describe('bad registrations', () => {
  const cases: [string, () => Promise<object> | object, number, string, RegExp][] = [
    [
      'unknown field',
      () => ({ name: 'm', uri: 's3://x/y', preprocess: grey, extra: 1 }),
      400,
      'invalid-request',
      /Unrecognized key/,
    ],
    ['wrong type', () => ({ name: 7, preprocess: grey }), 400, 'invalid-request', /name: /],
    [
      'bad name',
      () => ({ name: '../etc', preprocess: grey }),
      400,
      'invalid-request',
      /name: use 1–128 letters/,
    ],
    [
      'bad preprocess',
      () => ({ name: 'm', uri: 's3://x/y', preprocess: { inputSize: [3, 224] } }),
      400,
      'invalid-preprocess',
      /inputSize must be \[C, H, W\]/,
    ],
    [
      'uri in another bucket',
      () => ({ name: 'm', uri: 's3://someone-else/model.onnx', preprocess: grey }),
      400,
      'uri-outside-bucket',
      /upload the object below s3:\/\//,
    ],
    [
      'uri outside the prefix',
      () => ({ name: 'm', uri: `s3://${farm.bucket}/elsewhere/model.onnx`, preprocess: grey }),
      400,
      'uri-outside-bucket',
      /outside the farm's storage/,
    ],
    [
      'not an s3 uri',
      () => ({ name: 'm', uri: 'http://169.254.169.254/latest', preprocess: grey }),
      400,
      'invalid-uri',
      /s3:\/\//,
    ],
    [
      'missing object',
      () => ({ name: 'm', uri: `s3://${farm.bucket}/farm/uploads/none.onnx`, preprocess: grey }),
      400,
      'object-missing',
      /upload the \.onnx file there first/,
    ],
    [
      'duplicate name',
      async () => ({
        name: 'cnn-small',
        uri: await farm.uploadZooModel('cnn-small'),
        preprocess: grey,
      }),
      409,
      'model-exists',
      /choose another name/,
    ],
  ];

  it.each(cases)('%s', async (_, body, status, code, message) => {
    const res = await farm
      .as('acme')
      .post('/v1/models')
      .send(await body());
    expect(res.status).toBe(status);
    expect(errorOf(res).code).toBe(code);
    expect(errorOf(res).message).toMatch(message);
  });

  it('malformed JSON and oversized bodies', async () => {
    const malformed = await farm
      .as('acme')
      .post('/v1/models')
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('malformed-json');
    const huge = await farm
      .as('acme')
      .post('/v1/models')
      .send({ name: 'm', preprocess: grey, pad: 'x'.repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(errorOf(huge).code).toBe('body-too-large');
  });

  it('an unknown route', async () => {
    const res = await farm.as('acme').get('/v1/nothing');
    expect(res.status).toBe(404);
    expect(errorOf(res).code).toBe('route-not-found');
  });
});

describe('POST /v1/models without a uri (presigned upload)', () => {
  it('hands out an upload URL, and registers the model once the bytes are there', async () => {
    const created = await farm
      .as('acme')
      .post('/v1/models')
      .send({ name: 'uploaded', preprocess: grey });
    expect(created.status).toBe(202);
    const view = created.body as ModelView;
    expect(view).toMatchObject({
      status: 'awaiting-upload',
      uri: `s3://${farm.bucket}/farm/tenants/acme/uploads/models/uploaded.onnx`,
    });
    expect(view.upload?.method).toBe('PUT');
    expect(view.upload?.url).toMatch(/X-Amz-Signature=/);
    expect((await farm.as('acme').get('/v1/models/uploaded')).body).toMatchObject({
      status: 'awaiting-upload',
    });

    // The client uploads with the URL alone: no credentials.
    const bytes = await readFile(join(FIXTURES, 'zoo', 'models', 'linear.onnx'));
    const put = await fetch(view.upload!.url, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);

    const shown = await eventually(async () => {
      const res = await farm.as('acme').get('/v1/models/uploaded');
      return (res.body as ModelView).status === 'ready' ? res : undefined;
    });
    expect((shown.body as ModelView).sha256).toBe(
      (await readZooManifest()).find((m) => m.name === 'linear')!.sha256,
    );
  });
});
