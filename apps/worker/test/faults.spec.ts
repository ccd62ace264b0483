// Crashes and a flaky S3: a worker SIGKILLed mid-shard, S3 answering errors and stalling. Every
// record that comes out must be byte-identical to an undisturbed run's.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Job } from 'bullmq';
import {
  QueueName,
  type ProfiledModelRef,
  type RecordsJob,
  type RecordsJobResult,
} from '@tinysaver/contracts';
import { startFaultProxy, type FaultProxy } from '@tinysaver/storage/testing/fault-proxy';
import { readZoo, settled, startFarm, type Farm, type SettledJob } from './harness/farm-fixture';

jest.setTimeout(240_000);

let farm: Farm;
let job: RecordsJob;
let reference: Map<string, Buffer>;

/** Record objects under an S3 prefix, keyed by their path below it. */
async function recordsUnder(prefix: string): Promise<Map<string, Buffer>> {
  const listed = await farm.s3.client.send(
    new ListObjectsV2Command({ Bucket: farm.bucket, Prefix: `${prefix}/records/` }),
  );
  const out = new Map<string, Buffer>();
  for (const object of listed.Contents ?? [])
    out.set(object.Key!.slice(prefix.length), await farm.get(object.Key!));
  return out;
}

async function runOnce(extra: Record<string, string>, s3Prefix: string): Promise<SettledJob> {
  const worker = farm.startWorker({ ...extra, S3_PREFIX: s3Prefix });
  const done = await settled(
    farm.queue(QueueName.Records),
    await farm.add(QueueName.Records, job),
    200_000,
  );
  await worker.kill('SIGTERM');
  if (process.env.DEBUG_FAULTS) process.stdout.write(worker.lines.join('\n'));
  return done;
}

beforeAll(async () => {
  farm = await startFarm();
  const zoo = await readZoo();
  // The heaviest models, so a shard takes long enough to be interrupted.
  const models: ProfiledModelRef[] = await Promise.all(
    zoo
      .filter((m) => ['cnn-small', 'resnet-8', 'resnet-ens'].includes(m.name))
      .map((m) => farm.zooModel(m)),
  );
  job = {
    v: 1,
    dataset: { name: 'fmnist-evaluation' },
    shard: await farm.shard('evaluation', 2),
    models,
  };
  const undisturbed = await runOnce({}, 'undisturbed');
  expect(undisturbed.state).toBe('completed');
  reference = await recordsUnder('undisturbed');
  expect(reference.size).toBe(3);
});
afterAll(() => farm.stop());

it('a worker killed with SIGKILL mid-shard: another picks the job up and writes identical records', async () => {
  const doomed = farm.startWorker({ S3_PREFIX: 'killed' });
  const queued = await farm.add(QueueName.Records, job);
  const queue = farm.queue(QueueName.Records);
  // Wait until it is really computing (progress reported), then kill it without warning.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const fresh = await Job.fromId(queue, queued.id!);
    if (typeof fresh?.progress === 'number' && fresh.progress > 0) break;
    if (Date.now() > deadline) throw new Error('the job never reported progress');
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await doomed.kill('SIGKILL')).signal).toBe('SIGKILL');
  expect(await recordsUnder('killed')).toEqual(new Map());

  const rescuer = farm.startWorker({ S3_PREFIX: 'killed' });
  const done = await settled(queue, queued, 200_000);
  await rescuer.kill('SIGTERM');
  expect(done.state).toBe('completed');
  expect((done.returnvalue as RecordsJobResult).computed).toHaveLength(3);
  expect(await recordsUnder('killed')).toEqual(reference);
});

describe('a flaky S3', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: farm.s3.endpoint, seed: 7 });
  });
  afterAll(() => proxy.stop());
  const viaProxy = () => ({
    S3_ENDPOINT: proxy.endpoint,
    S3_REQUEST_TIMEOUT_MS: '1000',
    S3_MAX_ATTEMPTS: '2',
  });

  it('errors and stalls on a fraction of requests: retried with backoff, identical records', async () => {
    // Each kind of fault at least once (the first requests of each sort), then 10% at random.
    const shardGet = new RegExp(`^GET /${farm.bucket}/${job.shard.object.key}`);
    proxy.setRules([
      { match: shardGet, kind: 'stall', rate: 1, limit: 1 },
      { match: shardGet, kind: 'reset', rate: 1, limit: 2 },
      { match: /^HEAD /, kind: 'error-500', rate: 1, limit: 1 },
      { match: /^PUT /, kind: 'error-503', rate: 1, limit: 2 },
      { rate: 0.1, kind: 'error-503' },
    ]);
    const done = await runOnce(viaProxy(), 'flaky');
    const { faults, requests, byKind } = proxy.stats;
    process.stdout.write(
      `flaky S3: ${faults}/${requests} requests failed ${JSON.stringify(byKind)}; job attempts ${done.attemptsMade}\n`,
    );
    expect(done.state).toBe('completed');
    expect(byKind.stall).toBeGreaterThanOrEqual(1);
    expect(byKind.reset).toBeGreaterThanOrEqual(1);
    expect(byKind['error-500']).toBeGreaterThanOrEqual(1);
    expect(byKind['error-503']).toBeGreaterThanOrEqual(2);
    expect(faults).toBeLessThan(requests);
    expect(await recordsUnder('flaky')).toEqual(reference);
  });

  it('errors that persist fail the job after its retries, naming the object', async () => {
    proxy.setRules([
      {
        rate: 1,
        kind: 'error-503',
        match: new RegExp(`^GET /${farm.bucket}/${job.shard.object.key}`),
      },
    ]);
    const done = await runOnce(viaProxy(), 'broken');
    expect(done.state).toBe('failed');
    expect(done.attemptsMade).toBe(5);
    expect(done.failedReason).toMatch(
      new RegExp(
        `^\\[storage-unavailable\\] GET shard s3://${farm.bucket}/${job.shard.object.key} failed: SlowDown \\(HTTP 503\\)`,
      ),
    );
    expect(await recordsUnder('broken')).toEqual(new Map());
  });
});
