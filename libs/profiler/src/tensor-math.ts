// Shape arithmetic shared by the shape rules: broadcasting, strides and index mapping over the
// small constant tensors (shape vectors, indices) that constant propagation computes.
import type { Tensor } from './tensor';
import { ShapeError } from './tensor';

export function product(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

/** NumPy-style broadcast of several shapes (ONNX multidirectional broadcasting). */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && d !== dim) {
        throw new ShapeError(
          `cannot broadcast shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`,
        );
      }
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Calls fn with each multi-index of `shape` in row-major order. */
export function forEachIndex(
  shape: readonly number[],
  fn: (index: number[], flat: number) => void,
) {
  const total = product(shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    fn(index, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/** Element-wise function of broadcast inputs that all carry data. */
export function broadcastData(
  outShape: readonly number[],
  inputs: readonly Tensor[],
  fn: (...values: number[]) => number,
): number[] {
  const rank = outShape.length;
  const strides = inputs.map((t) => {
    const s = stridesOf(t.shape);
    // Align right; broadcast dimensions (size 1 or missing) get stride 0.
    return outShape.map((_, i) => {
      const j = i - (rank - t.shape.length);
      return j < 0 || t.shape[j] === 1 ? 0 : s[j];
    });
  });
  const out = new Array<number>(product(outShape));
  const args = new Array<number>(inputs.length);
  forEachIndex(outShape, (index, flat) => {
    for (let k = 0; k < inputs.length; k++) {
      let at = 0;
      for (let d = 0; d < rank; d++) at += index[d] * strides[k][d];
      args[k] = (inputs[k].data as number[])[at];
    }
    out[flat] = fn(...args);
  });
  return out;
}

/** Builds a tensor's data by mapping each output index to a flat index of the source data. */
export function mapData(
  outShape: readonly number[],
  source: readonly number[],
  sourceIndex: (index: number[]) => number,
): number[] {
  const out = new Array<number>(product(outShape));
  forEachIndex(outShape, (index, flat) => {
    out[flat] = source[sourceIndex(index)];
  });
  return out;
}

/** Resolves a possibly negative axis against a rank, as ONNX does. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
