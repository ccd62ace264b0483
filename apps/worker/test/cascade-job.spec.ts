// A real gated cascade on one shard, checked against what libs/cascade simulates from the two
// models' records: the same exit set, the same accuracy and MACs at the same threshold.
import {
  alignRecords,
  decodeRecord,
  exactCurve,
  exactPointAt,
  prepareOutcomes,
  type ModelRecord,
} from '@tinysaver/cascade';
import {
  QueueName,
  type CascadeShardDocument,
  type ProfiledModelRef,
  type RecordsJobResult,
  type ShardRef,
} from '@tinysaver/contracts';
import { FarmLayout } from '@tinysaver/storage';
import { readZoo, settled, startFarm, type Farm } from './harness/farm-fixture';

jest.setTimeout(180_000);

let farm: Farm;
let saver: ProfiledModelRef;
let base: ProfiledModelRef;
let shard: ShardRef;
let records: ModelRecord[];

beforeAll(async () => {
  farm = await startFarm();
  farm.startWorker();
  const zoo = await readZoo();
  saver = await farm.zooModel(zoo.find((m) => m.name === 'cnn-tiny')!);
  base = await farm.zooModel(zoo.find((m) => m.name === 'resnet-8')!);
  shard = await farm.shard('evaluation', 3);
  const job = await settled(
    farm.queue(QueueName.Records),
    await farm.add(QueueName.Records, {
      v: 1,
      dataset: { name: 'fmnist-evaluation' },
      shard,
      models: [saver, base],
    }),
  );
  expect(job.state).toBe('completed');
  const result = job.returnvalue as RecordsJobResult;
  records = await Promise.all(
    result.computed.map(async (c) => decodeRecord(await farm.get(c.key))),
  );
});
afterAll(() => farm.stop());

it.each([0.5, 0.9, 0.999])(
  'realises what the records simulate at threshold %s',
  async (threshold) => {
    const job = await settled(
      farm.queue(QueueName.Cascade),
      await farm.add(QueueName.Cascade, {
        v: 1,
        tenant: 'acme',
        runId: `run-${String(threshold).replace('.', '-')}`,
        dataset: { name: 'fmnist-evaluation' },
        shard,
        saver,
        base,
        threshold,
        baseline: true,
      }),
    );
    expect(job.state).toBe('completed');
    const doc = job.returnvalue as CascadeShardDocument;

    const saverRecord = records[0];
    const baseRecord = alignRecords(saverRecord, records[1]);
    const saverOutcomes = prepareOutcomes(saverRecord);
    const curve = exactCurve(saverOutcomes, prepareOutcomes(baseRecord));
    const simulated = exactPointAt(curve, threshold);
    const simulatedExits = saverRecord.keys.filter(
      (_, i) => saverRecord.topProbs[i * saverRecord.k] > threshold,
    );

    expect(doc.samples).toBe(2500);
    expect(doc.exitedKeys).toEqual(simulatedExits);
    expect(doc.exitedKeys.length).toBe(simulated.exits);
    expect(doc.correct).toBe(simulated.correct);
    expect(doc.macs).toBe(2500 * saver.macs + (2500 - simulated.exits) * base.macs);
    expect(doc.saver).toMatchObject({ model: 'cnn-tiny', samples: 2500, executionProvider: 'cpu' });
    expect(doc.base).toMatchObject({ model: 'resnet-8', samples: 2500 - simulated.exits });
    expect(doc.baseline).toMatchObject({ samples: 2500, correct: curve.totals.baseCorrect });
    expect(doc.realisedSpeedup).toBeGreaterThan(0);
    const stored = JSON.parse(
      (
        await farm.get(new FarmLayout('farm').cascadeShardKey('acme', doc.runId, shard.id))
      ).toString(),
    ) as CascadeShardDocument;
    expect(stored).toEqual(doc);
  },
);
