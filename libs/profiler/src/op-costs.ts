// Cost of one inferred node, at the batch shape inference ran at.
//
// Conventions (chosen so numbers compare with published tables):
// - MACs (the TinySaver paper's unit, and what torchvision's "GFLOPS" column counts) come only
//   from the multiply-accumulate operators: Conv, ConvTranspose, Gemm, MatMul and Einsum.
//   Bias additions, activations, normalisation, pooling and other element-wise work add no MACs,
//   as in fvcore and DeepSpeed's flops profiler.
// - FLOPs follow DeepSpeed's flops profiler: 2 per MAC, plus the bias additions of Conv /
//   ConvTranspose / Gemm (one per output element), plus, for the other operators, element
//   counts: element-wise ops and activations 1 per output element (a variadic Sum of k inputs,
//   k - 1), Softmax and pooling 1 per input element, reductions 1 per input element,
//   BatchNormalization (inference, affine) 2 per element, Layer/Instance/GroupNormalization
//   5 per element, Resize 1 per output element.
// - Data movement (Reshape, Transpose, Concat, Gather, Slice, Cast, ...) costs nothing, and so
//   does any node whose outputs fold to constants: that is shape arithmetic, not inference work.
import { Attributes } from './attributes';
import { einsumDims, gemmTransposed, matmulDims } from './shape-rules';
import type { InferredNode } from './shape-inference';
import type { Tensor } from './tensor';
import { product } from './tensor-math';

export interface NodeCost {
  macs: number;
  flops: number;
}

type CostRule = (n: InferredNode) => NodeCost;

const FREE: NodeCost = { macs: 0, flops: 0 };

function numel(t: Tensor | undefined): number {
  return t ? product(t.shape) : 0;
}

function perOutput(factor: number): CostRule {
  return (n) => ({ macs: 0, flops: factor * numel(n.outputs[0]) });
}

function perInput(factor: number): CostRule {
  return (n) => ({ macs: 0, flops: factor * numel(n.inputs[0]) });
}

function fromMacs(macs: number, biasAdds: number): NodeCost {
  return { macs, flops: 2 * macs + biasAdds };
}

const conv: CostRule = (n) => {
  const w = n.inputs[1] as Tensor;
  const y = n.outputs[0] as Tensor;
  // Each output element sums (Cin / group) x kernel products; w is [Cout, Cin/group, k...].
  const macs = numel(y) * product(w.shape.slice(1));
  return fromMacs(macs, n.inputs[2] ? numel(y) : 0);
};

const convTranspose: CostRule = (n) => {
  const x = n.inputs[0] as Tensor;
  const w = n.inputs[1] as Tensor;
  // Each input element scatters into (Cout / group) x kernel outputs; w is [Cin, Cout/group, k...].
  const macs = numel(x) * product(w.shape.slice(1));
  return fromMacs(macs, n.inputs[2] ? numel(n.outputs[0]) : 0);
};

const gemm: CostRule = (n) => {
  const y = n.outputs[0] as Tensor;
  const a = n.inputs[0] as Tensor;
  const k = gemmTransposed(new Attributes(n.node), 'transA') ? a.shape[0] : a.shape[1];
  return fromMacs(numel(y) * k, n.inputs[2] ? numel(y) : 0);
};

const matmul: CostRule = (n) => {
  const {
    batch,
    m,
    k,
    n: cols,
  } = matmulDims((n.inputs[0] as Tensor).shape, (n.inputs[1] as Tensor).shape);
  return fromMacs(product(batch) * m * k * cols, 0);
};

const einsum: CostRule = (n) => {
  const present = n.inputs.filter((t): t is Tensor => t !== undefined);
  const { operands, output, sizes } = einsumDims(
    new Attributes(n.node).string('equation', ''),
    present.map((t) => t.shape),
  );
  if (present.length < 2) return { macs: 0, flops: numel(present[0]) };
  // Contract left to right, as numpy.einsum(optimize=False) pairs and onnxruntime evaluates:
  // each step multiplies the running result by the next operand over the union of their
  // indices, then sums away every index no later operand and not the output still needs.
  const sizeOf = (letters: Iterable<string>) => product([...letters].map((c) => sizes.get(c) ?? 1));
  let current = new Set(operands[0]);
  let macs = 0;
  for (let i = 1; i < operands.length; i++) {
    const union = new Set([...current, ...operands[i]]);
    macs += sizeOf(union);
    const needed = new Set([...operands.slice(i + 1).join(''), ...output]);
    current = new Set([...union].filter((c) => needed.has(c)));
  }
  return fromMacs(macs, 0);
};

const variadic: CostRule = (n) => {
  const k = n.inputs.filter((t) => t !== undefined).length;
  return { macs: 0, flops: Math.max(k - 1, 1) * numel(n.outputs[0]) };
};

const ELEMENTWISE = [
  'Neg',
  'Abs',
  'Floor',
  'Ceil',
  'Round',
  'Sqrt',
  'Reciprocal',
  'Sign',
  'Not',
  'Exp',
  'Log',
  'Relu',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Erf',
  'Gelu',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Celu',
  'Softplus',
  'Softsign',
  'Mish',
  'Sin',
  'Cos',
  'Clip',
  'IsNaN',
  'IsInf',
  'ThresholdedRelu',
  'Shrink',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Mod',
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'And',
  'Or',
  'Xor',
  'BitShift',
  'Where',
  'Trilu',
];

const DATA_MOVEMENT = [
  'Identity',
  'Cast',
  'CastLike',
  'Dropout',
  'Shape',
  'Size',
  'Constant',
  'ConstantOfShape',
  'Range',
  'Reshape',
  'Flatten',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Gather',
  'GatherElements',
  'Slice',
  'Transpose',
  'Expand',
  'Tile',
  'Split',
  'Pad',
  'DepthToSpace',
  'SpaceToDepth',
  'ScatterND',
  'ScatterElements',
  'Scatter',
  'NonZero',
];

export const COST_RULES: Readonly<Record<string, CostRule>> = {
  ...Object.fromEntries(ELEMENTWISE.map((op) => [op, perOutput(1)])),
  ...Object.fromEntries(DATA_MOVEMENT.map((op) => [op, () => FREE])),
  Max: variadic,
  Min: variadic,
  Sum: variadic,
  Mean: variadic,
  Softmax: perInput(1),
  LogSoftmax: perInput(1),
  Hardmax: perInput(1),
  CumSum: perInput(1),
  BatchNormalization: perInput(2),
  LayerNormalization: perInput(5),
  InstanceNormalization: perInput(5),
  GroupNormalization: perInput(5),
  MeanVarianceNormalization: perInput(4),
  LpNormalization: perInput(2),
  LRN: perInput(5),
  MaxPool: perInput(1),
  AveragePool: perInput(1),
  LpPool: perInput(1),
  GlobalAveragePool: perInput(1),
  GlobalMaxPool: perInput(1),
  GlobalLpPool: perInput(1),
  ReduceSum: perInput(1),
  ReduceMean: perInput(1),
  ReduceMax: perInput(1),
  ReduceMin: perInput(1),
  ReduceProd: perInput(1),
  ReduceL1: perInput(1),
  ReduceL2: perInput(1),
  ReduceLogSum: perInput(1),
  ReduceLogSumExp: perInput(1),
  ReduceSumSquare: perInput(1),
  ArgMax: perInput(1),
  ArgMin: perInput(1),
  TopK: perInput(1),
  Resize: perOutput(1),
  Upsample: perOutput(1),
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matmul,
  Einsum: einsum,
};

/** The node's cost; `undefined` when no rule exists (the profiler then reports the operator). */
export function nodeCost(n: InferredNode): NodeCost | undefined {
  const rule = COST_RULES[n.node.opType];
  if (!rule) return undefined;
  if (n.outputs.length > 0 && n.outputs.every((t) => t?.data !== undefined)) return FREE;
  return rule(n);
}
