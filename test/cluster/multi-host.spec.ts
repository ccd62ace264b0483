// Workers on separate hosts cooperate and survive losing one. Three network namespaces: the hub
// (Redis, S3, API) and two worker hosts, each joined to the hub by its own veth link with
// link-local addresses made here. A search over the bundled zoo runs on both workers; one
// worker host's link is cut while it holds a shard; the search still completes, identical to a
// single-host run, and resubmitting it recomputes nothing. Needs root (CI runs as root).
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName, type SearchResultsDocument, type SearchView } from '@tinysaver/contracts';
import { readZoo, registerZoo, searchEnded, type ZooModel } from '../support/zoo-farm';
import { S3_PREFIX, startClusterFarm, type ClusterFarm } from './cluster-farm';
import { namespacesUnavailable, removeStaleNamespaces } from './netns';

jest.setTimeout(600_000);

const unavailable = namespacesUnavailable();
if (unavailable) console.warn(`multi-host test skipped: ${unavailable}.`);
const describeWithNamespaces = unavailable ? describe.skip : describe;

let farm: ClusterFarm | undefined;
let zoo: ZooModel[];

beforeAll(async () => {
  if (unavailable) return;
  await removeStaleNamespaces();
  // The zoo but its 80M-MAC ensemble, which alone would triple the test's compute on two cores.
  zoo = (await readZoo()).filter((m) => m.name !== 'resnet-ens');
});
afterAll(() => farm?.stop());

const search = (models: readonly ZooModel[]) => ({
  bases: models.map((m) => m.name),
  selection: 'selection',
  evaluation: 'evaluation',
});

/** Records jobs a worker reported completed (from its JSON log lines). */
function completedRecordsJobs(lines: readonly string[]): string[] {
  return lines
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { message?: string; queue?: string; job?: string })
    .filter((l) => l.message === 'job completed' && l.queue === QueueName.Records)
    .map((l) => l.job!);
}

interface StoredRecord {
  readonly sha256: string;
  readonly modified: number;
}

/** Every record object, by key: its bytes' sha256 and when it was last written. */
async function storedRecords(s3: S3Client, bucket: string): Promise<Map<string, StoredRecord>> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: `${S3_PREFIX}/records/`, MaxKeys: 1000 }),
  );
  const records = new Map<string, StoredRecord>();
  for (const { Key, LastModified } of listed.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
    const bytes = await body.Body!.transformToByteArray();
    records.set(Key!, {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      modified: LastModified!.getTime(),
    });
  }
  return records;
}

const digestsOf = (records: Map<string, StoredRecord>) =>
  new Map([...records].map(([key, record]) => [key, record.sha256]));

/** What a search computed, without what names this run (ids, clocks). */
function findings(results: SearchResultsDocument): Partial<SearchResultsDocument> {
  return { ...results, id: undefined, generatedAt: undefined };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithNamespaces('two worker hosts and a hub, over veth links', () => {
  let multiHost: { view: SearchView; results: SearchResultsDocument };
  let stored: Map<string, StoredRecord>;
  let beforeCut: { b: string[]; c: string[] };

  it('completes a search on both hosts although one is cut off holding a shard', async () => {
    farm = await startClusterFarm('multi', ['b', 'c']);
    const { client, workers } = farm;
    await registerZoo(
      client,
      { client: farm.s3.client, bucket: farm.s3.bucket, folder: `${S3_PREFIX}/data` },
      zoo,
    );
    const redis = new Redis(farm.redisUrl, { maxRetriesPerRequest: null });
    const records = new Queue(QueueName.Records, { connection: redis, prefix: farm.queuePrefix });
    try {
      const started = await client.startSearch(search(zoo));
      // Cut b once it has finished a shard while shards are still waiting: it has taken the
      // next one (BullMQ hands it over in the same call that completes the last).
      for (;;) {
        const done = completedRecordsJobs(workers.b.lines);
        const waiting = await records.getWaitingCount();
        if (done.length >= 1 && waiting >= 1) break;
        if (waiting === 0 && done.length === 0 && (await records.getCompletedCount()) >= 4)
          throw new Error(`b took no shard before the others were done:\n${farm.logs()}`);
        await pause(50);
      }
      await farm.hosts.cut('b');
      beforeCut = {
        b: completedRecordsJobs(workers.b.lines),
        c: completedRecordsJobs(workers.c.lines),
      };
      const view = await searchEnded(client, started.id);
      expect({ status: view.status, error: view.error }).toEqual({
        status: 'completed',
        error: undefined,
      });
      multiHost = { view, results: await client.results(started.id) };

      // Work was done on both hosts, each shard by one, and the shard b held went to c.
      const byC = completedRecordsJobs(workers.c.lines);
      expect(beforeCut.b.length).toBeGreaterThanOrEqual(1);
      expect(byC.length).toBeGreaterThanOrEqual(1);
      expect(beforeCut.b.filter((job) => byC.includes(job))).toEqual([]);
      const jobs = await records.getJobs(['completed']);
      expect(jobs).toHaveLength(8); // one per shard: 4 selection + 4 evaluation
      expect(new Set([...beforeCut.b, ...byC])).toEqual(new Set(jobs.map((j) => j.id)));
      const recovered = jobs.filter((j) => j.stalledCounter > 0);
      expect(recovered.map((j) => beforeCut.b.includes(j.id!))).toEqual([false]);
      expect(byC).toContain(recovered[0].id);

      stored = await storedRecords(farm.s3.client, farm.s3.bucket);
      expect(stored.size).toBe(zoo.length * 8);
      expect(multiHost.results.records).toEqual({ needed: zoo.length * 8, reused: 0 });
    } finally {
      await records.close();
      redis.disconnect();
    }
  });

  it('recomputes no record when the search is submitted again', async () => {
    const { client, workers } = farm!;
    const shardsByC = completedRecordsJobs(workers.c.lines).length;
    const again = await client.startSearch(search(zoo));
    const view = await searchEnded(client, again.id);
    expect(view.status).toBe('completed');
    const results = await client.results(again.id);
    expect(results.records).toEqual({ needed: zoo.length * 8, reused: zoo.length * 8 });
    expect(findings(results)).toEqual({
      ...findings(multiHost.results),
      records: results.records,
    });
    expect(completedRecordsJobs(workers.c.lines)).toHaveLength(shardsByC);
    // Not one record object was written again (a rewrite would keep the bytes but not the time).
    expect(await storedRecords(farm!.s3.client, farm!.s3.bucket)).toEqual(stored);
  });

  it('finds exactly what a single-host run finds, from byte-identical records', async () => {
    await farm!.stop();
    farm = await startClusterFarm('single', ['hub']);
    await registerZoo(
      farm.client,
      { client: farm.s3.client, bucket: farm.s3.bucket, folder: `${S3_PREFIX}/data` },
      zoo,
    );
    const started = await farm.client.startSearch(search(zoo));
    expect((await searchEnded(farm.client, started.id)).status).toBe('completed');
    const single = await farm.client.results(started.id);
    expect(findings(single)).toEqual(findings(multiHost.results));
    expect(digestsOf(await storedRecords(farm.s3.client, farm.s3.bucket))).toEqual(
      digestsOf(stored),
    );
  });
});
