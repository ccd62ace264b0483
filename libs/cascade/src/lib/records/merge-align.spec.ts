import fc from 'fast-check';
import { recordArb } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { alignRecords } from './align-records';
import { mergeShardRecords } from './merge-records';
import type { ModelRecord } from './model-record';
import { correctCount } from './model-record';
import { thrownCode } from '../../testing/thrown-code';

/** Sample range [from, to) of a record as its own shard record. */
function slice(r: ModelRecord, from: number, to: number, id: string): ModelRecord {
  return {
    ...r,
    shards: to > from ? [{ id, etag: `"${id}"`, count: to - from }] : [],
    keys: r.keys.slice(from, to),
    labels: r.labels.slice(from, to),
    topClasses: r.topClasses.slice(from * r.k, to * r.k),
    topProbs: r.topProbs.slice(from * r.k, to * r.k),
  };
}

/** Plain reorder by a permutation: sample i of the result is sample perm[i] of r. */
function permute(r: ModelRecord, perm: number[]): ModelRecord {
  const k = r.k;
  return {
    ...r,
    keys: perm.map((i) => r.keys[i]),
    labels: Int32Array.from(perm, (i) => r.labels[i]),
    topClasses: Int32Array.from(
      perm.flatMap((i) => Array.from(r.topClasses.slice(i * k, i * k + k))),
    ),
    topProbs: Float32Array.from(
      perm.flatMap((i) => Array.from(r.topProbs.slice(i * k, i * k + k))),
    ),
  };
}

describe('mergeShardRecords', () => {
  it('rebuilds the split from its shards with exact counts', () => {
    fc.assert(
      fc.property(recordArb(), fc.array(fc.nat(), { maxLength: 4 }), (record, cutsRaw) => {
        const n = record.keys.length;
        const cuts = [
          0,
          ...cutsRaw.map((c) => (n === 0 ? 0 : c % (n + 1))).sort((a, b) => a - b),
          n,
        ];
        const shards = cuts.slice(1).map((to, i) => slice(record, cuts[i], to, `shard-${i}`));
        const merged = mergeShardRecords(shards, 'whole');
        expect(merged.keys).toEqual(record.keys);
        expect(merged.labels).toEqual(record.labels);
        expect(merged.topClasses).toEqual(record.topClasses);
        expect(merged.topProbs).toEqual(record.topProbs);
        expect(merged.dataset).toBe('whole');
        expect(correctCount(merged)).toBe(shards.reduce((sum, s) => sum + correctCount(s), 0));
        expect(merged.shards.map((s) => s.id)).toEqual(
          shards.flatMap((s) => s.shards.map((x) => x.id)),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('refuses shards of different models, a key in two shards, and nothing at all', () => {
    fc.assert(
      fc.property(
        recordArb(10).filter((r) => r.keys.length >= 2),
        (record) => {
          const a = slice(record, 0, 1, 'a');
          const other = {
            ...slice(record, 1, 2, 'b'),
            model: { sha256: 'ff'.repeat(32), name: 'other' },
          };
          expect(thrownCode(() => mergeShardRecords([a, other]))).toBe(
            CascadeErrorCode.MergeMismatch,
          );
          expect(thrownCode(() => mergeShardRecords([a, slice(record, 0, 1, 'again')]))).toBe(
            CascadeErrorCode.DuplicateSampleKey,
          );
        },
      ),
      { numRuns: 20 },
    );
    expect(thrownCode(() => mergeShardRecords([]))).toBe(CascadeErrorCode.EmptySplit);
  });
});

describe('alignRecords', () => {
  it('undoes any permutation of the same samples', () => {
    fc.assert(
      fc.property(
        recordArb().chain((r) =>
          fc.tuple(
            fc.constant(r),
            fc.shuffledSubarray([...r.keys.keys()], { minLength: r.keys.length }),
          ),
        ),
        ([record, perm]) => {
          const aligned = alignRecords(record, permute(record, perm));
          expect(aligned.keys).toBe(record.keys);
          expect(aligned.labels).toEqual(record.labels);
          expect(aligned.topClasses).toEqual(record.topClasses);
          expect(aligned.topProbs).toEqual(record.topProbs);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names missing and extra samples instead of misaligning', () => {
    fc.assert(
      fc.property(
        recordArb(20).filter((r) => r.keys.length >= 2),
        (record) => {
          const n = record.keys.length;
          const fewer = slice(record, 0, n - 1, 'x');
          expect(() => alignRecords(record, fewer)).toThrow(
            new RegExp(
              `missing from "${record.model.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": "${record.keys[n - 1]}"`,
            ),
          );
          const renamed = {
            ...record,
            keys: record.keys.map((k, i) => (i === 0 ? 'stranger' : k)),
          };
          expect(() => alignRecords(record, renamed)).toThrow(/extra: "stranger"/);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses a sample whose label differs between the two records', () => {
    fc.assert(
      fc.property(
        recordArb(20).filter((r) => r.keys.length >= 1 && r.numClasses >= 2),
        (record) => {
          const labels = record.labels.slice();
          labels[0] = (labels[0] + 1) % record.numClasses;
          expect(() => alignRecords(record, { ...record, labels })).toThrow(
            /different versions of the dataset/,
          );
        },
      ),
      { numRuns: 20 },
    );
  });
});
