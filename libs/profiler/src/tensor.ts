// The value shape inference tracks for each tensor name at batch 1.
import type { OnnxTensor } from './onnx-model';

export interface Tensor {
  /** Concrete dimensions at batch 1. */
  shape: number[];
  /** TensorProto.DataType of the elements. */
  dtype: number;
  /**
   * Row-major values when the tensor is a known constant small enough to carry (shape vectors,
   * indices, scalars): what makes Reshape and Expand targets resolvable.
   */
  data?: number[];
  /** Set for tensors stored in an external file: reading their values throws EXTERNAL_DATA. */
  externalSource?: OnnxTensor;
  /**
   * Set for constants of a data type the profiler cannot decode (float8, int4, complex, ...):
   * harmless until a shape rule needs the values, which then reports the node.
   */
  unreadableSource?: OnnxTensor;
}

/** Tensors with more elements than this are never materialized as data. */
export const MAX_CONSTANT_ELEMENTS = 1 << 16;

/** A node's input shapes break its operator's rules; becomes ProfilerError INVALID_GRAPH. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** A node's output cannot be inferred statically (e.g. data-dependent); the node is reported. */
export class UnsupportedNodeError extends Error {
  override readonly name = 'UnsupportedNodeError';
}
