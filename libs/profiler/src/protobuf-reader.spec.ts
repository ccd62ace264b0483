import fc from 'fast-check';
import {
  ProtoReader,
  WireFormatError,
  readRepeatedFloat,
  readRepeatedVarint,
} from './protobuf-reader';
import { ProtoWriter } from './testing/protobuf-writer';

describe('ProtoReader', () => {
  it('round-trips every safe integer through a varint, negatives as int64', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        (v) => {
          const bytes = new ProtoWriter().varint(v).finish();
          const reader = new ProtoReader(bytes);
          expect(reader.readVarint()).toBe(v);
          expect(reader.done).toBe(true);
        },
      ),
    );
  });

  it('encodes -1 in ten bytes, as protobuf does for int64', () => {
    expect(new ProtoWriter().varint(-1).finish()).toHaveLength(10);
  });

  it('reads known varint encodings', () => {
    expect(new ProtoReader(Uint8Array.from([0x96, 0x01])).readVarint()).toBe(150);
    expect(new ProtoReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f])).readVarint()).toBe(
      2 ** 32 - 1,
    );
  });

  it('reads tags, strings and nested messages and skips unknown fields', () => {
    const bytes = new ProtoWriter()
      .int(1, 7)
      .float(2, 1.5)
      .string(3, 'héllo')
      .message(4, (w) => w.int(1, 42))
      .finish();
    const r = new ProtoReader(bytes);
    expect(r.readTag()).toEqual({ field: 1, wire: 0 });
    expect(r.readVarint()).toBe(7);
    expect(r.readTag()).toEqual({ field: 2, wire: 5 });
    r.skip(5);
    expect(r.readTag()).toEqual({ field: 3, wire: 2 });
    expect(r.readString()).toBe('héllo');
    expect(r.readTag()).toEqual({ field: 4, wire: 2 });
    const inner = new ProtoReader(r.readBytes());
    expect(inner.readTag().field).toBe(1);
    expect(inner.readVarint()).toBe(42);
    expect(r.done).toBe(true);
  });

  it('reads packed and unpacked repeated fields alike', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { maxLength: 20 }),
        (values) => {
          const packed = new ProtoWriter().packedVarints(1, values).finish();
          const unpacked = new ProtoWriter();
          for (const v of values) unpacked.int(1, v);
          for (const bytes of [packed, unpacked.finish()]) {
            const out: number[] = [];
            const r = new ProtoReader(bytes);
            while (!r.done) readRepeatedVarint(r, r.readTag().wire, out);
            expect(out).toEqual(values);
          }
        },
      ),
    );
    const floats: number[] = [];
    const r = new ProtoReader(new ProtoWriter().packedFloats(4, [1, -2.5, 0.25]).finish());
    readRepeatedFloat(r, r.readTag().wire, floats);
    expect(floats).toEqual([1, -2.5, 0.25]);
  });

  it('reports a length running past the end as truncated', () => {
    const bytes = new ProtoWriter().string(1, 'abcdef').finish().subarray(0, 4);
    const r = new ProtoReader(bytes);
    r.readTag();
    expect(() => r.readBytes()).toThrow(expect.objectContaining({ kind: 'truncated' }) as Error);
  });

  it('reports an unfinished varint as truncated and wire types 3, 4, 6, 7 as malformed', () => {
    expect(() => new ProtoReader(Uint8Array.from([0x80])).readVarint()).toThrow(WireFormatError);
    for (const wire of [3, 4, 6, 7]) {
      const r = new ProtoReader(Uint8Array.from([(1 << 3) | wire]));
      expect(() => r.readTag()).toThrow(expect.objectContaining({ kind: 'malformed' }) as Error);
    }
    expect(() => new ProtoReader(Uint8Array.from([0x00])).readTag()).toThrow(
      expect.objectContaining({ kind: 'malformed' }) as Error,
    );
  });
});
