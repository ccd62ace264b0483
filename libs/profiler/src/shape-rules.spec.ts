import { Attributes } from './attributes';
import type { OnnxAttribute, OnnxNode } from './onnx-model';
import { emptyAttribute } from './onnx-model';
import { COST_RULES } from './op-costs';
import { SHAPE_RULES, einsumDims, matmulDims } from './shape-rules';
import type { Tensor } from './tensor';

const INT64 = 7;

function run(
  op: string,
  inputs: (Tensor | undefined)[],
  attrs: Partial<OnnxAttribute>[] = [],
  opset = 17,
) {
  const node: OnnxNode = {
    name: '',
    opType: op,
    domain: '',
    inputs: inputs.map((_, i) => `i${i}`),
    outputs: ['o'],
    attributes: attrs.map((a) => ({ ...emptyAttribute(), ...a })),
  };
  return SHAPE_RULES[op]({ node, opset, inputs, attrs: new Attributes(node) })[0] as Tensor;
}

const ints = (data: number[]): Tensor => ({ shape: [data.length], dtype: INT64, data });

describe('shape rules', () => {
  it('has a cost rule for every operator it can infer, so nothing is silently zero', () => {
    expect(Object.keys(SHAPE_RULES).filter((op) => !(op in COST_RULES))).toEqual([]);
  });

  it('slices constants with negative starts, INT64_MAX ends and negative steps', () => {
    const x = ints([10, 11, 12, 13, 14]);
    expect(run('Slice', [x, ints([-3]), ints([Number.MAX_SAFE_INTEGER])]).data).toEqual([
      12, 13, 14,
    ]);
    expect(
      run('Slice', [x, ints([-1]), ints([-Number.MAX_SAFE_INTEGER]), ints([0]), ints([-2])]).data,
    ).toEqual([14, 12, 10]);
  });

  it('gathers, concatenates and unsqueezes shape vectors', () => {
    const shape = ints([1, 197, 768]);
    const last = run(
      'Gather',
      [shape, { shape: [], dtype: INT64, data: [-1] }],
      [{ name: 'axis', i: 0 }],
    );
    expect(last).toEqual({ shape: [], dtype: INT64, data: [768] });
    const u = run('Unsqueeze', [last, ints([0])]);
    expect(u.shape).toEqual([1]);
    expect(run('Concat', [u, ints([12, 64])], [{ name: 'axis', i: 0 }]).data).toEqual([
      768, 12, 64,
    ]);
  });

  it('divides integer shape arithmetic with truncation', () => {
    expect(run('Div', [ints([197]), ints([2])]).data).toEqual([98]);
  });

  it('computes MatMul dimensions with 1-D operands and broadcast batches', () => {
    expect(matmulDims([5], [5, 3])).toEqual({ batch: [], m: 1, k: 5, n: 3 });
    expect(matmulDims([2, 1, 4, 5], [3, 5, 6])).toEqual({ batch: [2, 3], m: 4, k: 5, n: 6 });
    expect(() => matmulDims([4, 5], [4, 6])).toThrow(/inner dimensions differ/);
  });

  it('parses Einsum with ellipsis and implicit output', () => {
    const { output, sizes } = einsumDims('...ij,...jk', [
      [2, 3, 4],
      [4, 5],
    ]);
    expect(output.length).toBe(3);
    expect([...output].map((c) => sizes.get(c))).toEqual([2, 3, 5]);
  });

  it('rounds MaxPool output up with ceil_mode but never starts a window in the padding', () => {
    const pooled = (size: number, ceil: number, pad: number, kernel = 3) =>
      run(
        'MaxPool',
        [{ shape: [1, 1, size, size], dtype: 1 }],
        [
          { name: 'kernel_shape', ints: [kernel, kernel] },
          { name: 'strides', ints: [2, 2] },
          { name: 'pads', ints: [pad, pad, pad, pad] },
          { name: 'ceil_mode', i: ceil },
        ],
      ).shape;
    // 8 wide, window 3, stride 2: floor(5/2)+1 = 3 windows, ceil(5/2)+1 = 4.
    expect(pooled(8, 0, 0)).toEqual([1, 1, 3, 3]);
    expect(pooled(8, 1, 0)).toEqual([1, 1, 4, 4]);
    // 5 wide padded to 7, window 2: ceil(5/2)+1 = 4, but the 4th window would start at 6,
    // inside the end padding, so it is dropped (PyTorch and onnxruntime agree).
    expect(pooled(5, 1, 1, 2)).toEqual([1, 1, 3, 3]);
    expect(pooled(6, 1, 1, 2)).toEqual([1, 1, 4, 4]);
  });
});
