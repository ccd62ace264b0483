// Reads the numbers stored in a TensorProto, for constant propagation of shape sub-graphs.
// Weights are never read this way: the profiler needs only their dims.
import { ProfilerError } from './errors';
import type { OnnxTensor } from './onnx-model';
import { DataType, dataTypeName } from './onnx-model';
import type { Tensor } from './tensor';

/** Integer (and bool) data types: values truncate on cast and divide as integers. */
export const INTEGER_TYPES: ReadonlySet<number> = new Set([
  DataType.INT8,
  DataType.INT16,
  DataType.INT32,
  DataType.INT64,
  DataType.UINT8,
  DataType.UINT16,
  DataType.UINT32,
  DataType.UINT64,
  DataType.BOOL,
]);

/** Data types {@link tensorValues} decodes; the rest (float8, int4, complex, string) it cannot. */
const READABLE_TYPES: ReadonlySet<number> = new Set([
  DataType.FLOAT,
  DataType.DOUBLE,
  DataType.FLOAT16,
  DataType.BFLOAT16,
  ...INTEGER_TYPES,
]);

export function isReadableType(dataType: number): boolean {
  return READABLE_TYPES.has(dataType);
}

const TWO_POW_64 = 2 ** 64;

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * The shape-inference view of a constant (initializer or Constant value). Values are decoded
 * lazily, on first read of `data`: most constants are weights no shape rule ever reads, and a
 * file may hold constants of types the profiler cannot decode. Larger than `maxElements`, string
 * or external constants carry no data.
 */
export function constantTensor(proto: OnnxTensor, maxElements: number, name = proto.name): Tensor {
  const t: Tensor = { shape: [...proto.dims], dtype: proto.dataType };
  const source = proto.name ? proto : { ...proto, name };
  if (proto.external) {
    t.externalSource = source;
    return t;
  }
  if (elementCount(proto.dims) > maxElements || proto.dataType === DataType.STRING) return t;
  if (!isReadableType(proto.dataType)) {
    t.unreadableSource = source;
    return t;
  }
  let cache: number[] | undefined;
  Object.defineProperty(t, 'data', {
    enumerable: true,
    configurable: true,
    get: () => (cache ??= tensorValues(source)),
  });
  return t;
}

/**
 * The tensor's values flattened in row-major order, as JS numbers (int64 beyond 2^53 rounds,
 * which only affects sentinel values such as INT64_MAX in Slice ends). Float16/bfloat16 are
 * widened. Throws EXTERNAL_DATA when the values live in another file.
 */
export function tensorValues(tensor: OnnxTensor): number[] {
  if (tensor.external) {
    throw new ProfilerError(
      'EXTERNAL_DATA',
      `Tensor '${tensor.name}' is stored in an external file (${tensor.externalLocation ?? 'location not given'}) and the profiler needs its values: re-export with the data embedded (onnx.save_model(model, path, save_as_external_data=False)).`,
    );
  }
  if (!isReadableType(tensor.dataType)) {
    throw new ProfilerError(
      'INVALID_GRAPH',
      `Tensor '${tensor.name}' has data type ${dataTypeName(tensor.dataType)}, which is not readable by the profiler, and its values are needed: export that constant as int64 or float32.`,
    );
  }
  const count = elementCount(tensor.dims);
  const raw = tensor.rawData;
  if (raw && raw.length > 0) return decodeRaw(tensor, raw, count);
  switch (tensor.dataType) {
    case DataType.FLOAT:
      return tensor.floatData;
    case DataType.DOUBLE:
      return tensor.doubleData;
    case DataType.INT64:
      return tensor.int64Data;
    case DataType.UINT32:
      return tensor.uint64Data;
    case DataType.UINT64:
      // The varint reader returns int64 (two's complement); values >= 2^63 come back negative.
      return tensor.uint64Data.map((v) => (v < 0 ? v + TWO_POW_64 : v));
    case DataType.FLOAT16:
      return tensor.int32Data.map(halfToFloat);
    case DataType.BFLOAT16:
      return tensor.int32Data.map(bfloat16ToFloat);
    default:
      // int32, int16, int8, uint16, uint8 and bool all sit in int32_data.
      return tensor.int32Data;
  }
}

function decodeRaw(tensor: OnnxTensor, raw: Uint8Array, count: number): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = bytesPerElement(tensor.dataType);
  if (raw.length < count * size) {
    throw new ProfilerError(
      'INVALID_GRAPH',
      `Tensor '${tensor.name}' (${dataTypeName(tensor.dataType)}, dims [${tensor.dims.join(', ')}]) has ${raw.length} bytes of raw data, too few for its shape: export the model again.`,
    );
  }
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (tensor.dataType) {
      case DataType.FLOAT:
        out[i] = view.getFloat32(at, true);
        break;
      case DataType.DOUBLE:
        out[i] = view.getFloat64(at, true);
        break;
      case DataType.INT64:
        out[i] = Number(view.getBigInt64(at, true));
        break;
      case DataType.UINT64:
        out[i] = Number(view.getBigUint64(at, true));
        break;
      case DataType.INT32:
        out[i] = view.getInt32(at, true);
        break;
      case DataType.UINT32:
        out[i] = view.getUint32(at, true);
        break;
      case DataType.INT16:
        out[i] = view.getInt16(at, true);
        break;
      case DataType.UINT16:
        out[i] = view.getUint16(at, true);
        break;
      case DataType.INT8:
        out[i] = view.getInt8(at);
        break;
      case DataType.UINT8:
      case DataType.BOOL:
        out[i] = view.getUint8(at);
        break;
      case DataType.FLOAT16:
        out[i] = halfToFloat(view.getUint16(at, true));
        break;
      case DataType.BFLOAT16:
        out[i] = bfloat16ToFloat(view.getUint16(at, true));
        break;
      default:
        throw new ProfilerError(
          'INVALID_GRAPH',
          `Tensor '${tensor.name}' has data type ${dataTypeName(tensor.dataType)}, which the profiler cannot read as numbers.`,
        );
    }
  }
  return out;
}

export function bytesPerElement(dataType: number): number {
  switch (dataType) {
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
      return 8;
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.INT16:
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return 2;
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL:
      return 1;
    default:
      return 0;
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function bfloat16ToFloat(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, (b & 0xffff) << 16);
  return view.getFloat32(0);
}
