import fc from 'fast-check';
import { recordArb } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import type { ModelRecord } from './model-record';
import { decodeRecord, encodeRecord, RECORD_FORMAT_VERSION } from './record-codec';
import { thrownCode } from '../../testing/thrown-code';

const sample: ModelRecord = {
  model: { sha256: 'c0ffee'.padEnd(64, '0'), name: 'cnn-small' },
  dataset: 'fmnist-eval',
  shards: [{ id: 'eval-000000.tar.gz', etag: '"9b2c"', count: 3 }],
  numClasses: 10,
  k: 2,
  macsPerSample: 2_900_000,
  keys: ['a', 'b', 'ünïcode'],
  labels: Int32Array.from([3, 9, 0]),
  topClasses: Int32Array.from([3, 1, 2, 9, 0, 5]),
  topProbs: Float32Array.from([0.9, 0.05, 0.6, 0.3, 1, 0]),
  provenance: { provider: 'cpu', inputSize: 28, resize: null },
};

describe('record codec', () => {
  it('round-trips any valid record exactly', () => {
    fc.assert(
      fc.property(recordArb(), (record) => {
        expect(decodeRecord(encodeRecord(record))).toEqual(record);
      }),
      { numRuns: 200 },
    );
  });

  it('stores float32 probabilities bit for bit', () => {
    const back = decodeRecord(encodeRecord(sample));
    expect(Array.from(back.topProbs)).toEqual(Array.from(sample.topProbs));
    expect(back.topProbs[0]).toBe(Math.fround(0.9));
  });

  it('is self-describing: magic, version and counts up front', () => {
    const bytes = encodeRecord(sample);
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('TSRECORD');
    expect(view.getUint32(8, true)).toBe(RECORD_FORMAT_VERSION);
    expect(view.getUint32(16, true)).toBe(3);
    expect(view.getUint32(20, true)).toBe(2);
  });

  it('reports a truncated record at every cut', () => {
    const bytes = encodeRecord(sample);
    for (let cut = 0; cut < bytes.length; cut++)
      expect(thrownCode(() => decodeRecord(bytes.subarray(0, cut)))).toBe(
        CascadeErrorCode.RecordTruncated,
      );
  });

  it('detects any single flipped byte after the magic and version', () => {
    const bytes = encodeRecord(sample);
    for (let at = 12; at < bytes.length; at++) {
      const copy = bytes.slice();
      copy[at] ^= 0x5a;
      expect([
        CascadeErrorCode.RecordChecksum,
        CascadeErrorCode.RecordTruncated,
        CascadeErrorCode.RecordCorrupt,
      ]).toContain(thrownCode(() => decodeRecord(copy)));
    }
  });

  it('names wrong magic, unknown versions and trailing bytes', () => {
    const bytes = encodeRecord(sample);
    const notRecord = bytes.slice();
    notRecord[0] = 0x50;
    expect(thrownCode(() => decodeRecord(notRecord))).toBe(CascadeErrorCode.RecordNotARecord);
    expect(() => decodeRecord(new TextEncoder().encode('{"json": "not a record at all"}'))).toThrow(
      /not a TinySaver record/,
    );
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 99, true);
    expect(() => decodeRecord(future)).toThrow(/version 99 is not supported/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(thrownCode(() => decodeRecord(longer))).toBe(CascadeErrorCode.RecordCorrupt);
  });

  it('refuses a record that is not the one expected', () => {
    const bytes = encodeRecord(sample);
    expect(
      decodeRecord(bytes, { modelSha256: sample.model.sha256, dataset: 'fmnist-eval' }).keys,
    ).toEqual(sample.keys);
    expect(thrownCode(() => decodeRecord(bytes, { modelSha256: 'f'.repeat(64) }))).toBe(
      CascadeErrorCode.RecordMismatch,
    );
    expect(() =>
      decodeRecord(bytes, { shards: [{ id: 'eval-000000.tar.gz', etag: '"other"' }] }),
    ).toThrow(/shards \[eval-000000.tar.gz@"9b2c"\], expected \[eval-000000.tar.gz@"other"\]/);
  });

  it('refuses to encode labels outside the class range, naming the sample', () => {
    const bad = { ...sample, labels: Int32Array.from([3, 10, 0]) };
    expect(() => encodeRecord(bad)).toThrow(
      /Sample "b" has label 10, outside the model's 10 classes/,
    );
    expect(thrownCode(() => encodeRecord({ ...sample, labels: Int32Array.from([-1, 0, 0]) }))).toBe(
      CascadeErrorCode.LabelOutOfRange,
    );
  });

  it('refuses inconsistent records: lengths, probabilities, duplicate keys, MACs', () => {
    expect(() => encodeRecord({ ...sample, keys: ['a', 'b'] })).toThrow(/array lengths disagree/);
    expect(() =>
      encodeRecord({ ...sample, topProbs: Float32Array.from([0.1, 0.5, 0.6, 0.3, 1, 0]) }),
    ).toThrow(/not descending/);
    expect(() =>
      encodeRecord({ ...sample, topProbs: Float32Array.from([1.5, 0, 0.6, 0.3, 1, 0]) }),
    ).toThrow(/outside \[0, 1\]/);
    expect(thrownCode(() => encodeRecord({ ...sample, keys: ['a', 'a', 'c'] }))).toBe(
      CascadeErrorCode.DuplicateSampleKey,
    );
    expect(() => encodeRecord({ ...sample, macsPerSample: 1.5 })).toThrow(/positive integer/);
  });
});
