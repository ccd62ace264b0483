// The profile job: verify, count, load and probe a model; or say precisely why it cannot be used.
import { resolvePreprocess } from '@tinysaver/cascade';
import { QueueName, type ModelProfileDocument, type ModelRef } from '@tinysaver/contracts';
import { linearOnnx } from './harness/bad-inputs';
import { readZoo, settled, sha256, startFarm, type Farm } from './harness/farm-fixture';

jest.setTimeout(120_000);

let farm: Farm;
beforeAll(async () => {
  farm = await startFarm();
  farm.startWorker({ WORKER_QUEUES: QueueName.Profile });
});
afterAll(() => farm.stop());

const grey = resolvePreprocess({ inputSize: [1, 28, 28], cropPct: 1, mean: [0.5], std: [0.5] });

async function upload(
  name: string,
  bytes: Uint8Array,
  registeredSha = sha256(bytes),
): Promise<ModelRef> {
  const key = `uploads/models/${name}.onnx`;
  await farm.put(key, bytes);
  return { name, sha256: registeredSha, object: { bucket: farm.bucket, key }, preprocess: grey };
}

async function profile(model: ModelRef) {
  const job = await settled(
    farm.queue(QueueName.Profile),
    await farm.add(QueueName.Profile, { v: 1, tenant: 'acme', model }),
  );
  const document = JSON.parse(
    (await farm.get(`farm/tenants/acme/models/${model.name}/profile.json`)).toString(),
  ) as ModelProfileDocument;
  return { job, document };
}

describe('profile job', () => {
  it('profiles every zoo model with the MACs PyTorch counted and proves it runs', async () => {
    for (const model of await readZoo()) {
      const ref = await farm.zooModel(model);
      const { job, document } = await profile(ref);
      expect(job.state).toBe('completed');
      expect(document).toMatchObject({
        status: 'ready',
        sha256: model.sha256,
        macs: model.macs,
        numClasses: 10,
        complete: true,
        input: { name: 'input', shape: [1, 28, 28] },
        output: { name: 'logits', shape: [10] },
        executionProvider: 'cpu',
      });
      expect(job.returnvalue).toEqual(document);
    }
  });

  it.each([
    [
      'not-onnx',
      () => Buffer.from('this is a text file, not a model'),
      'model-not-onnx',
      /not an ONNX model/,
    ],
    [
      'extra-dim',
      () => linearOnnx({ extraOutputDim: true }),
      'model-output-shape',
      /\[N, classes\]/,
    ],
    [
      'batch-one',
      () => linearOnnx({ batch: 1 }),
      'model-input-shape',
      /fails on a dummy batch of shape \[2, 1, 28, 28\].*export it with a dynamic batch dimension/,
    ],
  ])(
    'fails fast on %s with an invalid profile that says why',
    async (name, bytes, code, detail) => {
      const { job, document } = await profile(await upload(name, bytes()));
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(new RegExp(`^\\[${code}\\] model '${name}'`));
      expect(job.failedReason).toMatch(detail);
      expect(document).toMatchObject({
        status: 'invalid',
        code,
        reason: job.failedReason.slice(code.length + 3),
      });
    },
  );

  it('refuses a file whose sha256 is not the registered one, naming the object', async () => {
    const { job, document } = await profile(await upload('swapped', linearOnnx(), 'f'.repeat(64)));
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(
      new RegExp(
        `^\\[model-sha256-mismatch\\] model 'swapped' at s3://${farm.bucket}/uploads/models/swapped\\.onnx has sha256 [0-9a-f]{64}, not the registered f{64}`,
      ),
    );
    expect(document.status).toBe('invalid');
  });

  it('refuses a payload that breaks the contract without retrying', async () => {
    const job = await farm
      .queue(QueueName.Profile)
      .add('profile', { v: 1, tenant: 'acme', model: { name: 'x' } });
    const failed = await settled(farm.queue(QueueName.Profile), job);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(
      /^\[payload-invalid\] tinysaver-profile job payload is invalid \(model\.sha256: /,
    );
  });

  it('falls back to cpu when cuda cannot load, and records what ran', async () => {
    const worker = farm.startWorker({
      WORKER_QUEUES: QueueName.Profile,
      ORT_EXECUTION_PROVIDERS: 'cuda,cpu',
    });
    await worker.waitFor(/worker started/);
    const zoo = await readZoo();
    const ref = await farm.zooModel(zoo[0]);
    // Two workers now share the queue; send jobs until the cuda-configured one has taken one.
    for (
      let attempt = 0;
      attempt < 20 && !worker.lines.some((l) => /falling back to 'cpu'/.test(l));
      attempt++
    ) {
      const { document } = await profile({ ...ref, name: `linear-${attempt}` });
      expect(document).toMatchObject({ status: 'ready', executionProvider: 'cpu' });
    }
    expect(worker.lines.join('\n')).toMatch(
      /execution provider 'cuda' could not load model linear-\d+ .*falling back to 'cpu'/,
    );
  });
});
