import { DataType } from './onnx-model';
import type { OnnxTensor } from './onnx-model';
import { constantTensor, tensorValues } from './tensor-values';

function tensor(dataType: number, dims: number[], extra: Partial<OnnxTensor> = {}): OnnxTensor {
  return {
    name: 't',
    dims,
    dataType,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    external: false,
    ...extra,
  };
}

describe('tensorValues', () => {
  it('reads uint64 values of 2^63 and above as positive, in typed and raw form', () => {
    // The varint reader returns int64, so 2^64 - 1 arrives as -1.
    expect(tensorValues(tensor(DataType.UINT64, [2], { uint64Data: [-1, 7] }))).toEqual([
      2 ** 64,
      7,
    ]);
    const raw = new Uint8Array(8).fill(0xff);
    expect(tensorValues(tensor(DataType.UINT64, [1], { rawData: raw }))).toEqual([2 ** 64]);
  });

  it('says which data type it cannot read instead of "too few bytes"', () => {
    for (const [type, name] of [
      [DataType.FLOAT8E4M3FN, 'float8e4m3fn'],
      [DataType.INT4, 'int4'],
      [DataType.COMPLEX64, 'complex64'],
    ] as const) {
      const t = tensor(type, [4], { rawData: new Uint8Array(32) });
      expect(() => tensorValues(t)).toThrow(new RegExp(`data type ${name}, which is not readable`));
    }
  });

  it('still reports raw data too short for a readable type', () => {
    const t = tensor(DataType.INT64, [2], { rawData: new Uint8Array(8) });
    expect(() => tensorValues(t)).toThrow(/8 bytes of raw data, too few/);
  });
});

describe('constantTensor', () => {
  it('decodes values only when read, and never for unreadable types', () => {
    const short = tensor(DataType.INT64, [2], { rawData: new Uint8Array(8) });
    const lazy = constantTensor(short, 100);
    expect(lazy.shape).toEqual([2]);
    expect(() => lazy.data).toThrow(/too few/);

    const float8 = constantTensor(
      tensor(DataType.FLOAT8E5M2, [4], { rawData: new Uint8Array(4) }),
      100,
    );
    expect(float8.data).toBeUndefined();
    expect(float8.unreadableSource?.name).toBe('t');

    const ok = constantTensor(tensor(DataType.INT64, [2], { int64Data: [3, 4] }), 100);
    expect(ok.data).toEqual([3, 4]);
    expect(
      constantTensor(tensor(DataType.INT64, [2], { int64Data: [3, 4] }), 1).data,
    ).toBeUndefined();
  });
});
