// Plain-object views of the ONNX messages the profiler reads (a subset of onnx.proto; field
// numbers live in onnx-decode.ts). Fields the profiler never reads are not decoded.

/** TensorProto.DataType values the profiler cares about. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  // onnx >= 1.15/1.16/1.18 low-precision types: named so errors say which one, never decoded.
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
} as const;

const FLOAT_TYPES: ReadonlySet<number> = new Set([
  DataType.FLOAT,
  DataType.FLOAT16,
  DataType.DOUBLE,
  DataType.BFLOAT16,
]);

export function isFloatType(dataType: number): boolean {
  return FLOAT_TYPES.has(dataType);
}

/**
 * Element types that hold learned weights, so their initializers count as parameters: floats of
 * any width and the 8- and 4-bit integers quantized models store weights in. Wider integers and
 * bool are left out because exporters use them for shapes, indices and masks.
 */
const WEIGHT_TYPES: ReadonlySet<number> = new Set([
  ...FLOAT_TYPES,
  DataType.FLOAT8E4M3FN,
  DataType.FLOAT8E4M3FNUZ,
  DataType.FLOAT8E5M2,
  DataType.FLOAT8E5M2FNUZ,
  DataType.FLOAT4E2M1,
  DataType.INT8,
  DataType.UINT8,
  DataType.INT4,
  DataType.UINT4,
]);

export function isWeightType(dataType: number): boolean {
  return WEIGHT_TYPES.has(dataType);
}

export function dataTypeName(dataType: number): string {
  const entry = Object.entries(DataType).find(([, v]) => v === dataType);
  return entry ? entry[0].toLowerCase() : `type ${dataType}`;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  uint64Data: number[];
  /** data_location == EXTERNAL: values live in another file, named in `externalLocation`. */
  external: boolean;
  externalLocation?: string;
}

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: OnnxTensor[];
  graphs: OnnxGraph[];
}

/** An attribute with no value set: what the decoder fills in, and what tests start from. */
export function emptyAttribute(name = ''): OnnxAttribute {
  return { name, type: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A dimension as the file declares it: a number, a symbolic name, or unknown (`null`). */
export type DeclaredDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** Absent when the value is not a tensor (sequence, map, optional) or has no type. */
  tensorType?: {
    elemType: number;
    /** Absent when the file gives no shape at all (rank unknown). */
    shape?: DeclaredDim[];
  };
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxOpset {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: OnnxOpset[];
  graph: OnnxGraph;
}
