// SIGTERM: stop taking jobs, finish the job in hand, exit 0. Past the grace period the job is
// handed back (its lock lapses) and another worker finishes it.
import { Job } from 'bullmq';
import { QueueName, type RecordsJob } from '@tinysaver/contracts';
import { freePort } from '@tinysaver/testkit';
import { readZoo, settled, startFarm, type Farm } from './harness/farm-fixture';

jest.setTimeout(180_000);

let farm: Farm;
let heavy: RecordsJob;

beforeAll(async () => {
  farm = await startFarm();
  const zoo = await readZoo();
  const models = await Promise.all(
    zoo.filter((m) => ['resnet-8', 'resnet-ens'].includes(m.name)).map((m) => farm.zooModel(m)),
  );
  heavy = { v: 1, dataset: { name: 'fmnist' }, shard: await farm.shard('selection', 0), models };
});
afterAll(() => farm.stop());

async function computing(job: Job): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const fresh = await Job.fromId(farm.queue(QueueName.Records), job.id!);
    if (typeof fresh?.progress === 'number' && fresh.progress > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the job never reported progress');
}

it('finishes the job in hand, takes no new one, and exits 0 — not ready while it drains', async () => {
  const port = await freePort();
  const worker = farm.startWorker({ S3_PREFIX: 'drain', WORKER_HTTP_PORT: String(port) });
  const health = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  const inHand = await farm.add(QueueName.Records, heavy);
  await computing(inHand);
  const ready = await health('/health');
  expect([ready.status, await ready.json()]).toEqual([
    200,
    { status: 'ok', redis: 'ok', jobsInHand: 1 },
  ]);
  expect(await (await health('/metrics')).text()).toMatch(
    /^tinysaver_worker_jobs_in_hand\{queue="tinysaver-records"\} 1$/m,
  );
  worker.child.kill('SIGTERM');
  await worker.waitFor(/stopping: no new jobs/);
  // A cluster stops sending it work (readiness) but does not restart it (liveness).
  const draining = await health('/health');
  expect([draining.status, await draining.json()]).toMatchObject([503, { status: 'draining' }]);
  expect((await health('/health/live')).status).toBe(200);
  const later = await farm.add(QueueName.Records, {
    ...heavy,
    shard: await farm.shard('selection', 1),
  });
  expect(await worker.exited).toEqual({ code: 0, signal: null });
  const done = await settled(farm.queue(QueueName.Records), inHand);
  expect(done.state).toBe('completed');
  expect(done.attemptsMade).toBe(1);
  expect(await later.getState()).toBe('waiting');
  expect(worker.lines.join('\n')).toMatch(/stopped \(drained\)/);
  await later.remove();
});

it('hands the job back when the grace period runs out, and another worker finishes it', async () => {
  const impatient = farm.startWorker({ S3_PREFIX: 'handback', SHUTDOWN_GRACE_MS: '200' });
  const job = await farm.add(QueueName.Records, {
    ...heavy,
    shard: await farm.shard('selection', 2),
  });
  await computing(job);
  impatient.child.kill('SIGTERM');
  expect(await impatient.exited).toEqual({ code: 0, signal: null });
  expect(impatient.lines.join('\n')).toMatch(/stopped \(timed-out\)/);
  expect(impatient.lines.join('\n')).toMatch(/job handed back/);
  expect(await job.getState()).toBe('waiting');
  farm.startWorker({ S3_PREFIX: 'handback' });
  const done = await settled(farm.queue(QueueName.Records), job, 120_000);
  expect(done.state).toBe('completed');
});

it('refuses to start on a bad environment, naming every bad variable', async () => {
  const worker = farm.startWorker({ S3_BUCKET: '', WORKER_CONCURRENCY: 'lots' });
  expect(await worker.exited).toEqual({ code: 2, signal: null });
  const output = worker.lines.join('\n');
  expect(output).toMatch(/worker configuration is invalid/);
  expect(output).toMatch(/S3_BUCKET is not set/);
  expect(output).toMatch(/WORKER_CONCURRENCY='lots' must be an integer from 1 to 256/);
});
