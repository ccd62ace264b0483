// Per-operator shape rules (ONNX operator specs, https://onnx.ai/onnx/operators/) with constant
// propagation: when the inputs that matter are known constants, the output carries its values
// too. That is how the integer sub-graphs torch.onnx emits around Reshape and Expand
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, ConstantOfShape/Equal/Where for Expand, ...)
// resolve to concrete targets at batch 1.
import type { Attributes } from './attributes';
import type { OnnxNode, OnnxTensor } from './onnx-model';
import { DataType, dataTypeName } from './onnx-model';
import type { Tensor } from './tensor';
import { MAX_CONSTANT_ELEMENTS, ShapeError, UnsupportedNodeError } from './tensor';
import {
  broadcastData,
  broadcastShapes,
  mapData,
  normalizeAxis,
  product,
  stridesOf,
} from './tensor-math';
import { constantTensor, INTEGER_TYPES, tensorValues } from './tensor-values';

export interface RuleContext {
  node: OnnxNode;
  /** Version of the default ('' / ai.onnx) opset the model imports. */
  opset: number;
  /** One per node input; `undefined` where the input name is empty (an omitted optional input). */
  inputs: (Tensor | undefined)[];
  attrs: Attributes;
}

export type ShapeRule = (ctx: RuleContext) => (Tensor | undefined)[];

/** A tensor with data attached when it is small enough and `compute` can produce it. */
function make(shape: number[], dtype: number, compute?: () => number[] | undefined): Tensor {
  const t: Tensor = { shape, dtype };
  if (compute && product(shape) <= MAX_CONSTANT_ELEMENTS) {
    const data = compute();
    if (data) t.data = data;
  }
  return t;
}

function input(ctx: RuleContext, i: number): Tensor {
  const t = ctx.inputs[i];
  if (!t) throw new ShapeError(`required input ${i} is missing`);
  return t;
}

/** The inputs that are given; variadic ops need at least one. */
function presentInputs(ctx: RuleContext): Tensor[] {
  const present = ctx.inputs.filter((t): t is Tensor => t !== undefined);
  if (present.length === 0) throw new ShapeError(`${ctx.node.opType} has no inputs`);
  return present;
}

/** Values of a constant input, or `undefined` when they are only known at run time. */
function constant(t: Tensor | undefined): number[] | undefined {
  if (!t) return undefined;
  if (t.data) return t.data;
  // Reading it throws EXTERNAL_DATA with the fix.
  if (t.externalSource) return tensorValues(t.externalSource);
  return undefined;
}

function requireConstant(ctx: RuleContext, i: number, what: string): number[] {
  const unreadable = ctx.inputs[i]?.unreadableSource;
  if (unreadable) {
    throw new UnsupportedNodeError(
      `${what} ('${unreadable.name}') has data type ${dataTypeName(unreadable.dataType)}, which is not readable by the profiler`,
    );
  }
  const values = constant(ctx.inputs[i]);
  if (!values) {
    throw new UnsupportedNodeError(`${what} is computed at run time, not a constant`);
  }
  return values;
}

/** A tensor from a TensorProto (Constant's value, ConstantOfShape's fill). */
export function fromProto(proto: OnnxTensor, name: string): Tensor {
  return constantTensor(proto, MAX_CONSTANT_ELEMENTS, proto.name || name);
}

function castValue(v: number, to: number): number {
  if (to === DataType.BOOL) return v !== 0 ? 1 : 0;
  if (INTEGER_TYPES.has(to)) return Math.trunc(v);
  if (to === DataType.FLOAT) return Math.fround(v);
  return v;
}

// ---- element-wise -------------------------------------------------------------------------

/** Same shape and type as input 0; `fn` computes constants where that is meaningful. */
function unary(fn?: (v: number) => number): ShapeRule {
  return (ctx) => {
    const x = input(ctx, 0);
    return [make([...x.shape], x.dtype, fn && x.data ? () => x.data?.map(fn) : undefined)];
  };
}

function binary(
  fn: ((a: number, b: number, dtype: number) => number) | undefined,
  outType?: number,
): ShapeRule {
  return (ctx) => {
    const present = presentInputs(ctx);
    const shape = broadcastShapes(...present.map((t) => t.shape));
    const dtype = outType ?? present[0].dtype;
    const inType = present[0].dtype;
    return [
      make(shape, dtype, () =>
        fn && present.length === 2 && present.every((t) => t.data)
          ? broadcastData(shape, present, (a, b) => fn(a, b, inType))
          : undefined,
      ),
    ];
  };
}

function variadic(fn?: (values: number[]) => number): ShapeRule {
  return (ctx) => {
    const present = presentInputs(ctx);
    const shape = broadcastShapes(...present.map((t) => t.shape));
    return [
      make(shape, present[0].dtype, () =>
        fn && present.every((t) => t.data)
          ? broadcastData(shape, present, (...v) => fn(v))
          : undefined,
      ),
    ];
  };
}

function divide(a: number, b: number, dtype: number): number {
  return INTEGER_TYPES.has(dtype) ? Math.trunc(a / b) : a / b;
}

const where: ShapeRule = (ctx) => {
  const [c, x, y] = [input(ctx, 0), input(ctx, 1), input(ctx, 2)];
  const shape = broadcastShapes(c.shape, x.shape, y.shape);
  return [
    make(shape, x.dtype, () =>
      c.data && x.data && y.data
        ? broadcastData(shape, [c, x, y], (cv, xv, yv) => (cv ? xv : yv))
        : undefined,
    ),
  ];
};

const cast: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const to = ctx.attrs.int('to', x.dtype);
  return [make([...x.shape], to, () => x.data?.map((v) => castValue(v, to)))];
};

const castLike: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const to = input(ctx, 1).dtype;
  return [make([...x.shape], to, () => x.data?.map((v) => castValue(v, to)))];
};

/** Ops whose extra outputs (Dropout's mask, LayerNorm's mean) are rarely used: shape of input 0. */
const sameAsInput: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  return ctx.node.outputs.map((_, i) =>
    i === 0
      ? { shape: [...x.shape], dtype: x.dtype }
      : { shape: [...x.shape], dtype: DataType.BOOL },
  );
};

const layerNormalization: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), x.shape.length);
  const stats = x.shape.map((d, i) => (i < axis ? d : 1));
  return ctx.node.outputs.map((_, i) =>
    i === 0 ? { shape: [...x.shape], dtype: x.dtype } : { shape: stats, dtype: DataType.FLOAT },
  );
};

// ---- shape and data movement --------------------------------------------------------------

const shapeOp: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const rank = x.shape.length;
  const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + rank : a, 0), rank);
  const start = clampAxis(ctx.attrs.int('start', 0));
  const end = clampAxis(ctx.attrs.int('end', rank));
  const dims = x.shape.slice(start, Math.max(start, end));
  return [{ shape: [dims.length], dtype: DataType.INT64, data: dims }];
};

const size: ShapeRule = (ctx) => [
  { shape: [], dtype: DataType.INT64, data: [product(input(ctx, 0).shape)] },
];

const constantOp: ShapeRule = (ctx) => {
  const { attrs, node } = ctx;
  const t = attrs.tensor('value');
  if (t) return [fromProto(t, node.outputs[0])];
  if (attrs.has('value_float')) {
    return [{ shape: [], dtype: DataType.FLOAT, data: [attrs.float('value_float', 0)] }];
  }
  if (attrs.has('value_int')) {
    return [{ shape: [], dtype: DataType.INT64, data: [attrs.int('value_int', 0)] }];
  }
  const floats = attrs.floats('value_floats');
  if (attrs.has('value_floats') && floats) {
    return [{ shape: [floats.length], dtype: DataType.FLOAT, data: floats }];
  }
  const ints = attrs.ints('value_ints');
  if (attrs.has('value_ints') && ints) {
    return [{ shape: [ints.length], dtype: DataType.INT64, data: ints }];
  }
  throw new UnsupportedNodeError('Constant without a dense tensor value (sparse or string)');
};

const constantOfShape: ShapeRule = (ctx) => {
  const shape = requireConstant(ctx, 0, 'the shape');
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new ShapeError(`ConstantOfShape of [${shape.join(', ')}]: sizes must be >= 0`);
  }
  const fill = ctx.attrs.tensor('value');
  const value = fill ? fromProto(fill, ctx.node.outputs[0]) : undefined;
  const dtype = value?.dtype ?? DataType.FLOAT;
  const v = value?.data?.[0] ?? 0;
  return [make(shape, dtype, () => new Array<number>(product(shape)).fill(v))];
};

const range: ShapeRule = (ctx) => {
  const [start] = requireConstant(ctx, 0, 'the start');
  const [limit] = requireConstant(ctx, 1, 'the limit');
  const [delta] = requireConstant(ctx, 2, 'the delta');
  if (!delta) throw new ShapeError('Range with delta 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return [
    make([n], input(ctx, 0).dtype, () => Array.from({ length: n }, (_, i) => start + i * delta)),
  ];
};

const reshape: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const target =
    ctx.opset < 5 ? (ctx.attrs.ints('shape') ?? []) : requireConstant(ctx, 1, 'the target shape');
  const allowZero = ctx.attrs.int('allowzero', 0) === 1;
  const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const known = product(shape.filter((_, i) => i !== inferred));
    if (known === 0 || product(x.shape) % known !== 0) {
      throw new ShapeError(`cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
    }
    shape[inferred] = product(x.shape) / known;
  }
  if (product(shape) !== product(x.shape) || shape.some((d) => d < 0 || !Number.isInteger(d))) {
    throw new ShapeError(`cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`);
  }
  return [make(shape, x.dtype, () => x.data)];
};

const flatten: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const rank = x.shape.length;
  const raw = ctx.attrs.int('axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  return [
    make([product(x.shape.slice(0, axis)), product(x.shape.slice(axis))], x.dtype, () => x.data),
  ];
};

function axesFrom(ctx: RuleContext, inputIndex: number, sinceOpset: number): number[] | undefined {
  if (ctx.opset >= sinceOpset) {
    return ctx.inputs[inputIndex] ? requireConstant(ctx, inputIndex, 'the axes') : undefined;
  }
  return ctx.attrs.ints('axes');
}

const unsqueeze: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axes = axesFrom(ctx, 1, 13);
  // Unsqueeze has no default axes: from opset 13 they are input 1, before that an attribute.
  if (!axes) {
    throw new ShapeError(
      ctx.opset >= 13 ? 'Unsqueeze-13+ needs the axes input' : 'Unsqueeze needs the axes attribute',
    );
  }
  const rank = x.shape.length + axes.length;
  const set = new Set(axes.map((a) => normalizeAxis(a, rank)));
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x.shape[j++]);
  return [make(shape, x.dtype, () => x.data)];
};

const squeeze: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axes = axesFrom(ctx, 1, 13);
  const set = axes ? new Set(axes.map((a) => normalizeAxis(a, x.shape.length))) : undefined;
  const shape = x.shape.filter((d, i) => (set ? !set.has(i) : d !== 1));
  return [make(shape, x.dtype, () => x.data)];
};

const concat: ShapeRule = (ctx) => {
  const parts = presentInputs(ctx);
  const rank = parts[0].shape.length;
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank);
  const shape = [...parts[0].shape];
  shape[axis] = 0;
  for (const p of parts) {
    if (p.shape.length !== rank || p.shape.some((d, i) => i !== axis && d !== parts[0].shape[i])) {
      throw new ShapeError(
        `Concat of [${parts.map((q) => q.shape.join('x')).join('], [')}] on axis ${axis}`,
      );
    }
    shape[axis] += p.shape[axis];
  }
  return [
    make(shape, parts[0].dtype, () => {
      if (!parts.every((p) => p.data)) return undefined;
      const outer = product(shape.slice(0, axis));
      const inner = product(shape.slice(axis + 1));
      const out: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const chunk = p.shape[axis] * inner;
          out.push(...(p.data as number[]).slice(o * chunk, (o + 1) * chunk));
        }
      }
      return out;
    }),
  ];
};

const gather: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const idx = input(ctx, 1);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.shape.length);
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  return [
    make(shape, x.dtype, () => {
      if (!x.data || !idx.data) return undefined;
      const axisLen = x.shape[axis];
      const inner = product(x.shape.slice(axis + 1));
      const outer = product(x.shape.slice(0, axis));
      const out: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const raw of idx.data) {
          const i = raw < 0 ? raw + axisLen : raw;
          if (i < 0 || i >= axisLen)
            throw new ShapeError(`Gather index ${raw} out of range ${axisLen}`);
          const base = (o * axisLen + i) * inner;
          for (let k = 0; k < inner; k++) out.push(x.data[base + k]);
        }
      }
      return out;
    }),
  ];
};

const gatherElements: ShapeRule = (ctx) => {
  const idx = input(ctx, 1);
  return [{ shape: [...idx.shape], dtype: input(ctx, 0).dtype }];
};

const slice: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const rank = x.shape.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.attrs.ints('starts') ?? [];
    ends = ctx.attrs.ints('ends') ?? [];
    axes = ctx.attrs.ints('axes');
  } else {
    starts = requireConstant(ctx, 1, 'the slice starts');
    ends = requireConstant(ctx, 2, 'the slice ends');
    axes = ctx.inputs[3] ? requireConstant(ctx, 3, 'the slice axes') : undefined;
    steps = ctx.inputs[4] ? requireConstant(ctx, 4, 'the slice steps') : undefined;
  }
  if (
    ends.length !== starts.length ||
    (axes && axes.length !== starts.length) ||
    (steps && steps.length !== starts.length)
  ) {
    throw new ShapeError(
      `Slice starts, ends, axes and steps must have the same length, got ${[starts, ends, axes, steps].map((v) => (v ? v.length : '-')).join(', ')}`,
    );
  }
  const begin = x.shape.map(() => 0);
  const step = x.shape.map(() => 1);
  const shape = [...x.shape];
  starts.forEach((s, i) => {
    const a = normalizeAxis(axes ? axes[i] : i, rank);
    const dim = x.shape[a];
    const st = steps ? steps[i] : 1;
    if (st === 0) throw new ShapeError('Slice step 0');
    let b = s < 0 ? s + dim : s;
    let e = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (st > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      b = Math.min(Math.max(b, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    begin[a] = b;
    step[a] = st;
    shape[a] = Math.max(0, Math.ceil((e - b) / st));
  });
  const strides = stridesOf(x.shape);
  return [
    make(shape, x.dtype, () =>
      x.data
        ? mapData(shape, x.data, (index) =>
            index.reduce((at, v, d) => at + (begin[d] + v * step[d]) * strides[d], 0),
          )
        : undefined,
    ),
  ];
};

const transpose: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const rank = x.shape.length;
  const perm = ctx.attrs.ints('perm') ?? x.shape.map((_, i) => rank - 1 - i);
  const shape = perm.map((p) => x.shape[p]);
  const strides = stridesOf(x.shape);
  return [
    make(shape, x.dtype, () =>
      x.data
        ? mapData(shape, x.data, (index) =>
            index.reduce((at, v, d) => at + v * strides[perm[d]], 0),
          )
        : undefined,
    ),
  ];
};

const expand: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const target = requireConstant(ctx, 1, 'the target shape');
  const shape = broadcastShapes(x.shape, target);
  return [make(shape, x.dtype, () => (x.data ? broadcastData(shape, [x], (v) => v) : undefined))];
};

const tile: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const repeats = requireConstant(ctx, 1, 'the repeats');
  const shape = x.shape.map((d, i) => d * repeats[i]);
  const strides = stridesOf(x.shape);
  return [
    make(shape, x.dtype, () =>
      x.data
        ? mapData(shape, x.data, (index) =>
            index.reduce((at, v, d) => at + (v % x.shape[d]) * strides[d], 0),
          )
        : undefined,
    ),
  ];
};

const split: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.shape.length);
  const n = ctx.node.outputs.length;
  let sizes: number[] | undefined =
    ctx.opset >= 13
      ? ctx.inputs[1]
        ? requireConstant(ctx, 1, 'the split sizes')
        : undefined
      : ctx.attrs.ints('split');
  if (!sizes || sizes.length === 0) {
    // Equal parts; since opset 18 (num_outputs) the last part may be smaller.
    const part = Math.ceil(x.shape[axis] / n);
    sizes = Array.from({ length: n }, (_, i) => Math.min(part, x.shape[axis] - i * part));
  } else if (sizes.length !== n || sizes.reduce((a, b) => a + b, 0) !== x.shape[axis]) {
    throw new ShapeError(
      `Split sizes [${sizes.join(', ')}] must be ${n} parts summing to ${x.shape[axis]}`,
    );
  }
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return { shape, dtype: x.dtype };
  });
};

const pad: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const rank = x.shape.length;
  const pads =
    ctx.opset >= 11 ? requireConstant(ctx, 1, 'the pads') : (ctx.attrs.ints('pads') ?? []);
  const axes =
    ctx.opset >= 18 && ctx.inputs[3]
      ? requireConstant(ctx, 3, 'the pad axes')
      : x.shape.map((_, i) => i);
  const shape = [...x.shape];
  axes.forEach((a, i) => {
    const axis = normalizeAxis(a, rank);
    shape[axis] += pads[i] + pads[i + axes.length];
  });
  return [{ shape, dtype: x.dtype }];
};

/** DepthToSpace / SpaceToDepth input: 4-D, with a positive block size. */
function blockInput(ctx: RuleContext): { x: Tensor; b: number } {
  const x = input(ctx, 0);
  const b = ctx.attrs.int('blocksize', 0);
  if (x.shape.length !== 4 || !Number.isInteger(b) || b < 1) {
    throw new ShapeError(`${ctx.node.opType} needs a 4-D input and blocksize >= 1, got ${b}`);
  }
  return { x, b };
}

const depthToSpace: ShapeRule = (ctx) => {
  const { x, b } = blockInput(ctx);
  const [n, c, h, w] = x.shape;
  if (c % (b * b) !== 0) {
    throw new ShapeError(`DepthToSpace of ${c} channels needs a multiple of blocksize² = ${b * b}`);
  }
  return [{ shape: [n, c / (b * b), h * b, w * b], dtype: x.dtype }];
};

const spaceToDepth: ShapeRule = (ctx) => {
  const { x, b } = blockInput(ctx);
  const [n, c, h, w] = x.shape;
  if (h % b !== 0 || w % b !== 0) {
    throw new ShapeError(`SpaceToDepth of ${h}x${w} needs both sides divisible by blocksize ${b}`);
  }
  return [{ shape: [n, c * b * b, h / b, w / b], dtype: x.dtype }];
};

function reduce(axesInputSince: number, outType?: number): ShapeRule {
  return (ctx) => {
    const x = input(ctx, 0);
    const rank = x.shape.length;
    const keep = ctx.attrs.int('keepdims', 1) === 1;
    let axes = axesFrom(ctx, 1, axesInputSince);
    if (!axes || axes.length === 0) {
      axes = ctx.attrs.int('noop_with_empty_axes', 0) === 1 ? [] : x.shape.map((_, i) => i);
    }
    const set = new Set(axes.map((a) => normalizeAxis(a, rank)));
    const shape: number[] = [];
    x.shape.forEach((d, i) => {
      if (!set.has(i)) shape.push(d);
      else if (keep) shape.push(1);
    });
    return [{ shape, dtype: outType ?? x.dtype }];
  };
}

const argReduce: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.shape.length);
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  const shape = x.shape.flatMap((d, i) => (i !== axis ? [d] : keep ? [1] : []));
  return [{ shape, dtype: DataType.INT64 }];
};

const topK: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), x.shape.length);
  const k = ctx.opset >= 10 ? requireConstant(ctx, 1, 'K')[0] : ctx.attrs.int('k', 1);
  const shape = [...x.shape];
  shape[axis] = k;
  return [
    { shape, dtype: x.dtype },
    { shape: [...shape], dtype: DataType.INT64 },
  ];
};

const resize: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  // Resize-10 and Upsample-9: (X, scales). Resize-11+: (X, roi, scales, sizes). Upsample-7: attr.
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (ctx.node.opType === 'Upsample' && ctx.opset < 9) scales = ctx.attrs.floats('scales');
  else if (ctx.node.opType === 'Upsample' || ctx.opset < 11) scales = constant(ctx.inputs[1]);
  else {
    sizes = ctx.inputs[3] ? constant(ctx.inputs[3]) : undefined;
    scales =
      ctx.inputs[2] && product(input(ctx, 2).shape) > 0 ? constant(ctx.inputs[2]) : undefined;
  }
  let shape: number[];
  if (sizes && sizes.length === x.shape.length) shape = [...sizes];
  else if (scales && scales.length === x.shape.length)
    shape = x.shape.map((d, i) => Math.floor(d * scales[i]));
  else
    throw new UnsupportedNodeError(
      'the output size or scales are computed at run time, not constants',
    );
  return [{ shape, dtype: x.dtype }];
};

const scatterLike: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  return [{ shape: [...x.shape], dtype: x.dtype }];
};

const nonZero: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  if (!x.data) throw new UnsupportedNodeError('NonZero output size depends on run-time data');
  const hits: number[][] = [];
  const strides = stridesOf(x.shape);
  x.data.forEach((v, flat) => {
    if (v) hits.push(strides.map((s, d) => Math.floor(flat / s) % x.shape[d]));
  });
  const shape = [x.shape.length, hits.length];
  return [make(shape, DataType.INT64, () => x.shape.flatMap((_, d) => hits.map((h) => h[d])))];
};

// ---- compute ------------------------------------------------------------------------------

/** Spatial output sizes of Conv and the pooling ops (ONNX Conv/MaxPool spec, auto_pad included). */
export function windowOutput(
  ctx: RuleContext,
  spatial: number[],
  kernel: number[],
  options: { ceil?: boolean } = {},
): number[] {
  const n = spatial.length;
  const strides = ctx.attrs.ints('strides') ?? [];
  const dilations = ctx.attrs.ints('dilations') ?? [];
  const pads = ctx.attrs.ints('pads') ?? [];
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  if (kernel.length !== n) {
    throw new ShapeError(`kernel_shape [${kernel.join(', ')}] does not match ${n} spatial dims`);
  }
  return spatial.map((size, i) => {
    const s = strides[i] ?? 1;
    const d = dilations[i] ?? 1;
    const span = d * (kernel[i] - 1) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / s);
    const padded = autoPad === 'VALID' ? size : size + (pads[i] ?? 0) + (pads[i + n] ?? 0);
    if (padded < span) throw new ShapeError(`window ${span} larger than padded input ${padded}`);
    if (!options.ceil) return Math.floor((padded - span) / s) + 1;
    let out = Math.ceil((padded - span) / s) + 1;
    // A window may not start in the end padding (as PyTorch and onnxruntime do with ceil_mode).
    if ((out - 1) * s >= size + (pads[i] ?? 0)) out--;
    return out;
  });
}

const conv: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const group = ctx.attrs.int('group', 1);
  if (
    x.shape.length !== w.shape.length ||
    x.shape[1] !== w.shape[1] * group ||
    w.shape[0] % group !== 0
  ) {
    throw new ShapeError(
      `Conv input [${x.shape.join(', ')}] does not fit weight [${w.shape.join(', ')}] with group ${group}`,
    );
  }
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2);
  const out = windowOutput(ctx, x.shape.slice(2), kernel);
  return [{ shape: [x.shape[0], w.shape[0], ...out], dtype: x.dtype }];
};

const convTranspose: ShapeRule = (ctx) => {
  const x = input(ctx, 0);
  const w = input(ctx, 1);
  const group = ctx.attrs.int('group', 1);
  // ConvTranspose weights are [C_in, C_out / group, k...]: the first dim must be the input's C.
  if (x.shape.length !== w.shape.length || x.shape[1] !== w.shape[0] || x.shape[1] % group !== 0) {
    throw new ShapeError(
      `ConvTranspose input [${x.shape.join(', ')}] does not fit weight [${w.shape.join(', ')}] with group ${group}`,
    );
  }
  const spatial = x.shape.slice(2);
  const n = spatial.length;
  const kernel = ctx.attrs.ints('kernel_shape') ?? w.shape.slice(2);
  const explicit = ctx.attrs.ints('output_shape');
  let out: number[];
  if (explicit && explicit.length > 0) {
    out = explicit.slice(-n);
  } else {
    const strides = ctx.attrs.ints('strides') ?? [];
    const dilations = ctx.attrs.ints('dilations') ?? [];
    const pads = ctx.attrs.ints('pads') ?? [];
    const outPad = ctx.attrs.ints('output_padding') ?? [];
    const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
    out = spatial.map((size, i) => {
      const s = strides[i] ?? 1;
      if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return size * s;
      const total = autoPad === 'VALID' ? 0 : (pads[i] ?? 0) + (pads[i + n] ?? 0);
      return (
        s * (size - 1) + (outPad[i] ?? 0) + ((kernel[i] - 1) * (dilations[i] ?? 1) + 1) - total
      );
    });
  }
  return [{ shape: [x.shape[0], w.shape[1] * group, ...out], dtype: x.dtype }];
};

function pool(options: { global?: boolean }): ShapeRule {
  return (ctx) => {
    const x = input(ctx, 0);
    const spatial = x.shape.slice(2);
    const kernel = ctx.attrs.ints('kernel_shape');
    // Unlike Conv, pools have no weight to take the kernel from: the attribute is required.
    if (!options.global && !kernel) throw new ShapeError(`${ctx.node.opType} needs kernel_shape`);
    const out = options.global
      ? spatial.map(() => 1)
      : windowOutput(ctx, spatial, kernel ?? [], {
          ceil: ctx.attrs.int('ceil_mode', 0) === 1,
        });
    const shape = [x.shape[0], x.shape[1], ...out];
    return ctx.node.outputs.map((_, i) => ({
      shape: [...shape],
      dtype: i === 0 ? x.dtype : DataType.INT64,
    }));
  };
}

/** Gemm's transA / transB: any non-zero value means transposed (shared with the cost rule). */
export function gemmTransposed(attrs: Attributes, name: 'transA' | 'transB'): boolean {
  return attrs.int(name, 0) !== 0;
}

const gemm: ShapeRule = (ctx) => {
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(
      `Gemm needs 2-D inputs, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
    );
  }
  const [m, k] = gemmTransposed(ctx.attrs, 'transA') ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = gemmTransposed(ctx.attrs, 'transB') ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== k2) throw new ShapeError(`Gemm inner dimensions ${k} and ${k2} differ`);
  return [{ shape: [m, n], dtype: a.dtype }];
};

/** MatMul dimensions (numpy.matmul): broadcast batch, M, K, N; exported for the cost rule. */
export function matmulDims(
  a: number[],
  b: number[],
): { batch: number[]; m: number; k: number; n: number } {
  if (a.length === 0 || b.length === 0) throw new ShapeError('MatMul of a scalar');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k = a2[a2.length - 1];
  if (b2[b2.length - 2] !== k) {
    throw new ShapeError(
      `MatMul of [${a.join(', ')}] and [${b.join(', ')}]: inner dimensions differ`,
    );
  }
  return {
    batch: broadcastShapes(a2.slice(0, -2), b2.slice(0, -2)),
    m: a2[a2.length - 2],
    k,
    n: b2[b2.length - 1],
  };
}

const matmul: ShapeRule = (ctx) => {
  const a = input(ctx, 0);
  const b = input(ctx, 1);
  const { batch, m, n } = matmulDims(a.shape, b.shape);
  const shape = [...batch, ...(a.shape.length > 1 ? [m] : []), ...(b.shape.length > 1 ? [n] : [])];
  return [{ shape, dtype: a.dtype }];
};

/** Ellipsis dimensions become digits, right-aligned so operands of different rank broadcast. */
function ellipsisLetters(rank: number): string {
  return Array.from({ length: rank }, (_, i) => String.fromCharCode(48 + 10 - rank + i)).join('');
}

/** Parsed Einsum: per-operand index letters (ellipsis expanded), output letters, letter sizes. */
export function einsumDims(
  equation: string,
  shapes: number[][],
): { operands: string[]; output: string; sizes: Map<string, number> } {
  const [lhs, rhs] = equation.replace(/\s+/g, '').split('->');
  const terms = lhs.split(',');
  if (terms.length !== shapes.length) {
    throw new ShapeError(
      `Einsum '${equation}' names ${terms.length} operands, got ${shapes.length}`,
    );
  }
  const sizes = new Map<string, number>();
  let ellipsisRank = 0;
  const operands = terms.map((term, t) => {
    const shape = shapes[t];
    let letters = term;
    if (term.includes('...')) {
      const rank = shape.length - (term.length - 3);
      if (rank < 0 || rank > 10)
        throw new ShapeError(`Einsum term '${term}' does not fit rank ${shape.length}`);
      ellipsisRank = Math.max(ellipsisRank, rank);
      letters = term.replace('...', ellipsisLetters(rank));
    }
    if (letters.length !== shape.length) {
      throw new ShapeError(`Einsum term '${term}' does not match rank ${shape.length}`);
    }
    [...letters].forEach((c, i) => {
      const prev = sizes.get(c);
      const d = shape[i];
      if (prev === undefined || prev === 1) sizes.set(c, d);
      else if (d !== prev && d !== 1)
        throw new ShapeError(`Einsum '${equation}': '${c}' is ${prev} and ${d}`);
    });
    return letters;
  });
  let output: string;
  if (rhs !== undefined) output = rhs.replace('...', ellipsisLetters(ellipsisRank));
  else {
    // Implicit mode: ellipsis dims, then the letters used once, in alphabetical order.
    const counts = new Map<string, number>();
    for (const c of terms.join('').replace(/\./g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([c]) => c);
    output = ellipsisLetters(ellipsisRank) + once.sort().join('');
  }
  return { operands, output, sizes };
}

const einsum: ShapeRule = (ctx) => {
  const present = presentInputs(ctx);
  const { output, sizes } = einsumDims(
    ctx.attrs.string('equation', ''),
    present.map((t) => t.shape),
  );
  return [{ shape: output.split('').map((c) => sizes.get(c) ?? 1), dtype: present[0].dtype }];
};

// ---- registry -----------------------------------------------------------------------------

const UNARY_OPS: Record<string, ((v: number) => number) | undefined> = {
  Identity: (v) => v,
  Neg: (v) => -v,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Round: (v) => {
    // Round half to even, as ONNX specifies.
    const r = Math.round(v);
    return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  Sqrt: Math.sqrt,
  Reciprocal: (v) => 1 / v,
  Sign: Math.sign,
  Not: (v) => (v ? 0 : 1),
  Exp: Math.exp,
  Log: Math.log,
  Relu: (v) => Math.max(v, 0),
  Sigmoid: undefined,
  HardSigmoid: undefined,
  HardSwish: undefined,
  Tanh: undefined,
  Erf: undefined,
  Gelu: undefined,
  LeakyRelu: undefined,
  PRelu: undefined,
  Elu: undefined,
  Selu: undefined,
  Celu: undefined,
  Softplus: undefined,
  Softsign: undefined,
  Mish: undefined,
  Sin: undefined,
  Cos: undefined,
  Clip: undefined,
  Softmax: undefined,
  LogSoftmax: undefined,
  Hardmax: undefined,
  CumSum: undefined,
  Trilu: undefined,
  IsNaN: undefined,
  IsInf: undefined,
  BatchNormalization: undefined,
  InstanceNormalization: undefined,
  GroupNormalization: undefined,
  LpNormalization: undefined,
  MeanVarianceNormalization: undefined,
  LRN: undefined,
  ThresholdedRelu: undefined,
  Shrink: undefined,
};

const BINARY_OPS: Record<string, (a: number, b: number, dtype: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: divide,
  Pow: (a, b) => a ** b,
  Mod: (a, b) => a - Math.floor(a / b) * b,
};

const COMPARE_OPS: Record<string, (a: number, b: number) => number> = {
  Equal: (a, b) => Number(a === b),
  Less: (a, b) => Number(a < b),
  Greater: (a, b) => Number(a > b),
  LessOrEqual: (a, b) => Number(a <= b),
  GreaterOrEqual: (a, b) => Number(a >= b),
  And: (a, b) => Number(Boolean(a) && Boolean(b)),
  Or: (a, b) => Number(Boolean(a) || Boolean(b)),
  Xor: (a, b) => Number(Boolean(a) !== Boolean(b)),
};

export const SHAPE_RULES: Readonly<Record<string, ShapeRule>> = {
  ...Object.fromEntries(Object.entries(UNARY_OPS).map(([op, fn]) => [op, unary(fn)])),
  ...Object.fromEntries(Object.entries(BINARY_OPS).map(([op, fn]) => [op, binary(fn)])),
  ...Object.fromEntries(
    Object.entries(COMPARE_OPS).map(([op, fn]) => [op, binary(fn, DataType.BOOL)]),
  ),
  PRelu: binary(undefined),
  BitShift: binary(undefined),
  Max: variadic((v) => Math.max(...v)),
  Min: variadic((v) => Math.min(...v)),
  Sum: variadic((v) => v.reduce((a, b) => a + b, 0)),
  Mean: variadic(),
  Where: where,
  Cast: cast,
  CastLike: castLike,
  Dropout: sameAsInput,
  LayerNormalization: layerNormalization,
  Shape: shapeOp,
  Size: size,
  Constant: constantOp,
  ConstantOfShape: constantOfShape,
  Range: range,
  Reshape: reshape,
  Flatten: flatten,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Concat: concat,
  Gather: gather,
  GatherElements: gatherElements,
  Slice: slice,
  Transpose: transpose,
  Expand: expand,
  Tile: tile,
  Split: split,
  Pad: pad,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  ReduceSum: reduce(13),
  ReduceMean: reduce(18),
  ReduceMax: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  ReduceL1: reduce(18),
  ReduceL2: reduce(18),
  ReduceLogSum: reduce(18),
  ReduceLogSumExp: reduce(18),
  ReduceSumSquare: reduce(18),
  ArgMax: argReduce,
  ArgMin: argReduce,
  TopK: topK,
  Resize: resize,
  Upsample: resize,
  ScatterND: scatterLike,
  ScatterElements: scatterLike,
  Scatter: scatterLike,
  NonZero: nonZero,
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool({}),
  AveragePool: pool({}),
  LpPool: pool({}),
  GlobalAveragePool: pool({ global: true }),
  GlobalMaxPool: pool({ global: true }),
  GlobalLpPool: pool({ global: true }),
  Gemm: gemm,
  MatMul: matmul,
  Einsum: einsum,
};
