import type { DatasetDocument } from '@tinysaver/contracts';
import { fakeIo } from '../testing/fake-io';
import { datasetsCommand } from './datasets';

const doc: DatasetDocument = {
  name: 'sel',
  uri: 's3://bucket/farm/datasets/sel',
  bucket: 'bucket',
  numClasses: 10,
  samples: 2500,
  shards: [{ id: 'selection-000000', key: 'k', etag: 'e', bytes: 1234, samples: 2500 }],
  registeredAt: '2025-01-01T00:00:00.000Z',
};

describe('tinysaver datasets', () => {
  it('add sends the name, URI and class count and prints the document', async () => {
    const api = { registerDataset: jest.fn().mockResolvedValue(doc) };
    const io = fakeIo(api);
    expect(
      await datasetsCommand(['add', 'sel', '--uri', doc.uri, '--classes', '10', '--json'], io),
    ).toBe(0);
    expect(api.registerDataset).toHaveBeenCalledWith({ name: 'sel', uri: doc.uri, numClasses: 10 });
    expect(JSON.parse(io.stdout[0])).toEqual(doc);
  });

  it('add needs --uri and a class count of at least 2', async () => {
    const io = fakeIo({});
    expect(await datasetsCommand(['add', 'sel'], io)).toBe(2);
    expect(io.stderr[0]).toContain('--uri s3://bucket/prefix is required.');
    expect(await datasetsCommand(['add', 'sel', '--uri', 's3://b/p', '--classes', '1'], io)).toBe(
      2,
    );
  });

  it('list prints a table, or {datasets} with --json', async () => {
    const api = { datasets: jest.fn().mockResolvedValue([doc]) };
    const human = fakeIo(api);
    expect(await datasetsCommand(['list'], human)).toBe(0);
    expect(human.stdout[0].split('\n')).toEqual([
      'NAME  CLASSES  SAMPLES  SHARDS  URI',
      '----  -------  -------  ------  -----------------------------',
      'sel        10     2500       1  s3://bucket/farm/datasets/sel',
    ]);
    const json = fakeIo(api);
    expect(await datasetsCommand(['list', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0])).toEqual({ datasets: [doc] });
  });
});
