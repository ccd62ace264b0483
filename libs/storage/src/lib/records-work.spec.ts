import { FarmLayout, recordsJobId } from './farm-layout';
import { findMissingRecords, recordFolders } from './records-work';

const layout = new FarmLayout('p');
const models = [
  { name: 'small', sha256: 'a'.repeat(64), pp: 'grey' },
  { name: 'large', sha256: 'b'.repeat(64), pp: 'grey' },
];
const preprocessOf = (m: (typeof models)[number]) => m.pp;
const datasets = [
  {
    name: 'sel',
    shards: [
      { id: 's0', etag: '"1"' },
      { id: 's1', etag: '"2"' },
    ],
  },
  { name: 'eval', shards: [{ id: 'e0', etag: '"3"' }] },
];
const key = (m: (typeof models)[number], etag: string) =>
  layout.recordKey({ modelSha256: m.sha256, preprocess: m.pp, shardEtag: etag });

describe('findMissingRecords', () => {
  it('groups the absent records per shard as records jobs and counts all needed', () => {
    const present = new Set([key(models[0], '"1"'), key(models[1], '"1"'), key(models[1], '"3"')]);
    const { needed, missing } = findMissingRecords(layout, present, models, preprocessOf, datasets);
    expect(needed).toBe(6);
    expect(missing.map((w) => [w.dataset.name, w.shard.id, w.models.map((m) => m.name)])).toEqual([
      ['sel', 's1', ['small', 'large']],
      ['eval', 'e0', ['small']],
    ]);
    expect(missing[1].jobId).toBe(
      recordsJobId('"3"', [{ sha256: models[0].sha256, preprocess: 'grey' }]),
    );
  });

  it('finds nothing to do when every record exists', () => {
    const present = new Set(
      datasets.flatMap((d) => d.shards.flatMap((s) => models.map((m) => key(m, s.etag)))),
    );
    expect(findMissingRecords(layout, present, models, preprocessOf, datasets)).toEqual({
      needed: 6,
      missing: [],
    });
  });

  it('lists each model file’s record folder once', () => {
    const folders = recordFolders(layout, [...models, models[0]], preprocessOf);
    expect(folders).toHaveLength(2);
    expect(key(models[0], '"1"').startsWith(folders[0])).toBe(true);
  });
});
