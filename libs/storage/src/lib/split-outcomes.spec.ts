import { CascadeError, encodeRecord, type ModelRecord } from '@tinysaver/cascade';
import { FarmLayout } from './farm-layout';
import { loadSplitOutcomes, mapLimit } from './split-outcomes';

const layout = new FarmLayout('p');
const split = {
  name: 'eval',
  shards: [
    { id: 's0', etag: '"1"' },
    { id: 's1', etag: '"2"' },
  ],
};

/** One model's record on one shard: top-1 class and confidence per key, k = 1. */
function shardRecord(
  sha256: string,
  shard: { id: string; etag: string },
  rows: [key: string, label: number, top1: number, conf: number][],
): ModelRecord {
  return {
    model: { sha256, name: 'computed-by-someone-else' },
    dataset: 'their-name',
    shards: [{ id: shard.id, etag: shard.etag, count: rows.length }],
    numClasses: 3,
    k: 1,
    macsPerSample: 999,
    keys: rows.map((r) => r[0]),
    labels: Int32Array.from(rows.map((r) => r[1])),
    topClasses: Int32Array.from(rows.map((r) => r[2])),
    topProbs: Float32Array.from(rows.map((r) => r[3])),
    provenance: {},
  };
}

const saver = { name: 'saver', sha256: 'a'.repeat(64), preprocess: 'grey', macs: 10 };
const base = { name: 'base', sha256: 'b'.repeat(64), preprocess: 'grey', macs: 100 };

function store(records: ModelRecord[]) {
  const objects = new Map<string, Uint8Array>();
  for (const r of records)
    objects.set(
      layout.recordKey({
        modelSha256: r.model.sha256,
        preprocess: 'grey',
        shardEtag: r.shards[0].etag,
      }),
      encodeRecord(r),
    );
  const reads: string[] = [];
  const read = (key: string) => {
    reads.push(key);
    const bytes = objects.get(key);
    return bytes ? Promise.resolve(bytes) : Promise.reject(new Error(`no object ${key}`));
  };
  return { read, reads };
}

describe('loadSplitOutcomes', () => {
  it('merges shards in order and aligns every model to the first one’s samples', async () => {
    const { read, reads } = store([
      shardRecord(saver.sha256, split.shards[0], [
        ['x', 0, 0, 0.9],
        ['y', 1, 2, 0.4],
      ]),
      shardRecord(saver.sha256, split.shards[1], [['z', 2, 2, 0.7]]),
      // The base's shard lists its samples in another order: alignment puts them right.
      shardRecord(base.sha256, split.shards[0], [
        ['y', 1, 1, 0.8],
        ['x', 0, 1, 0.6],
      ]),
      shardRecord(base.sha256, split.shards[1], [['z', 2, 2, 0.99]]),
    ]);
    const outcomes = await loadSplitOutcomes(read, layout, [saver, base], split);
    expect(reads).toHaveLength(4);
    const s = outcomes.get('saver')!;
    const b = outcomes.get('base')!;
    expect(s.keys).toEqual(['x', 'y', 'z']);
    expect(b.keys).toBe(s.keys);
    expect(Array.from(s.correct)).toEqual([1, 0, 1]);
    expect(Array.from(b.correct)).toEqual([0, 1, 1]);
    expect(Array.from(b.confidence)).toEqual([0.6, 0.8, 0.99].map(Math.fround));
    // The caller's name and MACs win over whatever the shared record's header says.
    expect([s.name, s.macs, b.name, b.macs]).toEqual(['saver', 10, 'base', 100]);
  });

  it('refuses models whose records hold different samples', async () => {
    const { read } = store([
      shardRecord(saver.sha256, split.shards[0], [['x', 0, 0, 0.9]]),
      shardRecord(saver.sha256, split.shards[1], [['z', 2, 2, 0.7]]),
      shardRecord(base.sha256, split.shards[0], [['w', 0, 0, 0.9]]),
      shardRecord(base.sha256, split.shards[1], [['z', 2, 2, 0.7]]),
    ]);
    await expect(loadSplitOutcomes(read, layout, [saver, base], split)).rejects.toBeInstanceOf(
      CascadeError,
    );
  });

  it('refuses a record of another model file under the key', async () => {
    const wrong = shardRecord(base.sha256, split.shards[0], [['x', 0, 0, 0.9]]);
    const objects = new Map([
      [
        layout.recordKey({ modelSha256: saver.sha256, preprocess: 'grey', shardEtag: '"1"' }),
        encodeRecord(wrong),
      ],
    ]);
    const one = { name: 'eval', shards: [split.shards[0]] };
    await expect(
      loadSplitOutcomes((k) => Promise.resolve(objects.get(k)!), layout, [saver], one),
    ).rejects.toBeInstanceOf(CascadeError);
  });
});

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10 + i;
    });
    expect(out).toEqual([50, 11, 42, 23, 34]);
    expect(peak).toBe(2);
  });
});
