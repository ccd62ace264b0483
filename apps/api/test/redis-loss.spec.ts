// Losing Redis in the middle of a search: Redis holds only queue state, so after a flush and a
// restart of the API and the worker the search resumes from its spec in S3, completes with the
// same results as an undisturbed search, and recomputes only the records that were not written.
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  aggregateJobId,
  QueueName,
  type RecordsJobResult,
  type SearchResultsDocument,
} from '@tinysaver/contracts';
import { startPrivateRedis, type PrivateRedis } from '@tinysaver/testkit';
import type { SearchView } from '../src/searches/search-view';
import { eventually, startApiFarm, type ApiFarm } from './api-fixture';
import { registerZooModels, registerZooShards } from './zoo';

jest.setTimeout(420_000);

let redis: PrivateRedis;
let farm: ApiFarm;
beforeAll(async () => {
  redis = await startPrivateRedis();
  farm = await startApiFarm({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await farm.stop();
  await redis.stop();
});

async function recordKeys(): Promise<Set<string>> {
  const out = await farm.s3.client.send(
    new ListObjectsV2Command({ Bucket: farm.bucket, Prefix: 'farm/records/' }),
  );
  return new Set((out.Contents ?? []).map((o) => o.Key!));
}

const view = async (id: string) =>
  (await farm.as('acme').get(`/v1/searches/${id}`)).body as SearchView;

it('resumes a search after Redis is flushed and the API and worker restart', async () => {
  let worker = farm.startWorker({ WORKER_CONCURRENCY: '1', WORKER_PREFETCH: '0' });
  await registerZooModels(farm, 'acme', ['linear', 'mlp-64', 'cnn-tiny', 'resnet-8']);
  await registerZooShards(farm, 'acme', 'sel', 'selection', [0, 1]);
  await registerZooShards(farm, 'acme', 'eval', 'evaluation', [0, 1]);
  const body = { bases: ['resnet-8', 'cnn-tiny'], selection: 'sel', evaluation: 'eval' };
  const res = await farm.as('acme').post('/v1/searches').send(body);
  expect(res.status).toBe(202);
  const { id } = res.body as SearchView;

  // Some records written, not all: then the worker dies and Redis loses everything.
  await eventually(async () => {
    const { progress } = await view(id);
    return progress.done >= 4 && progress.done < 16 ? true : undefined;
  }, 240_000);
  await worker.kill('SIGKILL');
  const before = await recordKeys();
  expect(before.size).toBeGreaterThanOrEqual(4);
  expect(before.size).toBeLessThan(16);
  await redis.flush();

  // A new API resumes live searches as it starts, before anyone asks.
  await farm.restartApi();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const aggregate = new Queue(QueueName.Aggregate, {
    connection: client,
    prefix: farm.queuePrefix,
  });
  const records = new Queue(QueueName.Records, { connection: client, prefix: farm.queuePrefix });
  try {
    expect(await aggregate.getJob(aggregateJobId('acme', id))).toBeDefined();
    worker = farm.startWorker();
    const done = await eventually(async () => {
      const v = await view(id);
      return ['queued', 'running'].includes(v.status) ? undefined : v;
    }, 300_000);
    expect(done.status).toBe('completed');

    // Only the records missing at the flush were computed again.
    const computed = (await records.getCompleted()).flatMap(
      (job) => (job.returnvalue as RecordsJobResult).computed,
    );
    expect(computed.length).toBe(16 - before.size);
    for (const record of computed) expect(before.has(record.key)).toBe(false);
    expect((await recordKeys()).size).toBe(16);
  } finally {
    await aggregate.close();
    await records.close();
    client.disconnect();
  }

  // The same results as a search that ran undisturbed over the same records.
  const resumed = (await farm.as('acme').get(`/v1/searches/${id}/results`))
    .body as SearchResultsDocument;
  const again = await farm.as('acme').post('/v1/searches').send(body);
  const rerun = await eventually(async () => {
    const v = await view((again.body as SearchView).id);
    return v.status === 'completed' ? v : undefined;
  }, 120_000);
  const undisturbed = (await farm.as('acme').get(`/v1/searches/${rerun.id}/results`))
    .body as SearchResultsDocument;
  expect(undisturbed.records).toEqual({ needed: 16, reused: 16 });
  expect(resumed.bases).toEqual(undisturbed.bases);
  expect(resumed.models).toEqual(undisturbed.models);
});
