import { ProfilerError } from './errors';
import { profileOnnx } from './profile-onnx';
import type { ModelSpec } from './testing/onnx-builder';
import { BOOL, buildModel, int64, INT64, weight } from './testing/onnx-builder';

function profile(spec: ModelSpec, inputSize?: [number, number, number]) {
  return profileOnnx(buildModel(spec), inputSize ? { inputSize } : {});
}

function errorOf(fn: () => unknown): ProfilerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProfilerError) return error;
    throw error;
  }
  throw new Error('expected a ProfilerError');
}

/** image [N,3,H,W] -> GlobalAveragePool -> Flatten -> logits [N, 3]: the smallest valid classifier. */
function classifier(
  input: { shape?: (number | string | null)[]; elemType?: number } = {},
): ModelSpec {
  return {
    inputs: [{ name: 'x', shape: input.shape ?? ['N', 3, 8, 8], elemType: input.elemType }],
    outputs: [{ name: 'y', shape: ['N', 3] }],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  };
}

describe('profileOnnx: hand-checked counts', () => {
  it('counts a grouped, dilated, strided, padded Conv, a pool and a Gemm', () => {
    // Conv: span 2*(3-1)+1 = 5, padded 15+2 = 17, out floor((17-5)/2)+1 = 7.
    // MACs = Cout * 7*7 * (Cin/group) * 3*3 = 16 * 49 * 4 * 9 = 28,224; Gemm 16 * 10 = 160.
    const p = profile({
      inputs: [{ name: 'x', shape: ['N', 8, 15, 15] }],
      outputs: [{ name: 'y', shape: ['N', 10] }],
      initializers: [
        weight('w', [16, 4, 3, 3]),
        weight('b', [16]),
        weight('fc', [10, 16]),
        weight('fcb', [10]),
      ],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w', 'b'],
          outputs: ['c'],
          attrs: {
            group: 2,
            dilations: [2, 2],
            strides: [2, 2],
            pads: [1, 1, 1, 1],
            kernel_shape: [3, 3],
          },
        },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'fc', 'fcb'], outputs: ['y'], attrs: { transB: 1 } },
      ],
    });
    expect(p.byOp.Conv).toEqual({ count: 1, macs: 28_224, flops: 2 * 28_224 + 16 * 49 });
    expect(p.byOp.Gemm).toEqual({ count: 1, macs: 160, flops: 320 + 10 });
    expect(p.byOp.GlobalAveragePool).toEqual({ count: 1, macs: 0, flops: 16 * 49 });
    expect(p.byOp.Flatten).toEqual({ count: 1, macs: 0, flops: 0 });
    expect(p.macs).toBe(28_384);
    expect(p.flops).toBe(57_232 + 784 + 330);
    expect(p.params).toBe(16 * 4 * 9 + 16 + 160 + 10);
    expect(p.inputs).toEqual([
      { name: 'x', shape: [1, 8, 15, 15], declaredShape: ['N', 8, 15, 15] },
    ]);
    expect(p.outputs).toEqual([{ name: 'y', shape: [1, 10], declaredShape: ['N', 10] }]);
    expect(p.classes).toBe(10);
    expect(p.opset).toBe(17);
    expect(p.complete).toBe(true);
    expect(p.unsupported).toEqual([]);
  });

  it('applies auto_pad SAME_UPPER (out = ceil(in / stride)) and reduces to logits', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: [1, 3, 10, 10] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: [weight('w', [4, 3, 3, 3])],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w'],
          outputs: ['c'],
          attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] },
        },
        { op: 'ReduceMean', inputs: ['c'], outputs: ['y'], attrs: { axes: [2, 3], keepdims: 0 } },
      ],
    });
    // out 5x5: 4 * 25 * 3 * 9 = 2,700 MACs, no bias.
    expect(p.macs).toBe(2700);
    expect(p.byOp.Conv.flops).toBe(5400);
    expect(p.byOp.ReduceMean.flops).toBe(100);
  });

  it('counts a ConvTranspose with output_padding', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: [1, 4, 5, 5] }],
      outputs: [{ name: 'y', shape: [1, 2] }],
      initializers: [weight('w', [4, 2, 3, 3])],
      nodes: [
        {
          op: 'ConvTranspose',
          inputs: ['x', 'w'],
          outputs: ['c'],
          attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] },
        },
        { op: 'GlobalMaxPool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
    });
    // out = 2*(5-1) + 1 + 3 - 2 = 10; MACs = 4*25 inputs * 2 outputs channels * 9 = 1,800.
    expect(p.macs).toBe(1800);
    expect(p.byOp.GlobalMaxPool.flops).toBe(2 * 100);
  });

  it('counts a batched MatMul with broadcast and resolves a torch-style Reshape sub-graph', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: ['batch', 3, 4, 8] }],
      outputs: [{ name: 'y', shape: ['batch', 90] }],
      initializers: [
        weight('b', [8, 5]),
        weight('a', [1, 1, 6, 4]),
        int64('zero', [0]),
        int64('minus1', [-1]),
      ],
      nodes: [
        // [1,3,4,8] @ [8,5] -> [1,3,4,5]: 3*4*8*5 = 480 MACs.
        { op: 'MatMul', inputs: ['x', 'b'], outputs: ['m1'] },
        // [1,1,6,4] @ [1,3,4,5] -> [1,3,6,5]: 3*6*4*5 = 360 MACs.
        { op: 'MatMul', inputs: ['a', 'm1'], outputs: ['m2'] },
        // x.reshape(x.shape[0], -1) as torch exports it with a dynamic batch.
        { op: 'Shape', inputs: ['m2'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
        { op: 'Concat', inputs: ['n', 'minus1'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['m2', 'target'], outputs: ['y'] },
      ],
    });
    expect(p.byOp.MatMul).toEqual({ count: 2, macs: 840, flops: 1680 });
    expect(p.outputs[0].shape).toEqual([1, 90]);
    expect(p.byOp.Shape.flops + p.byOp.Gather.flops + p.byOp.Concat.flops).toBe(0);
  });

  it('counts attention written as Einsum + Softmax + MatMul, and LayerNormalization as FLOPs', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: [1, 2, 4, 8] }],
      outputs: [{ name: 'y', shape: [1, 64] }],
      initializers: [weight('gamma', [8]), weight('beta', [8])],
      nodes: [
        {
          op: 'LayerNormalization',
          inputs: ['x', 'gamma', 'beta'],
          outputs: ['ln'],
          attrs: { axis: -1 },
        },
        // scores[b,h,i,j] = sum_d q[b,h,i,d] k[b,h,j,d]: 2*4*4*8 = 256 MACs.
        {
          op: 'Einsum',
          inputs: ['ln', 'ln'],
          outputs: ['scores'],
          attrs: { equation: 'bhid,bhjd->bhij' },
        },
        { op: 'Softmax', inputs: ['scores'], outputs: ['attn'], attrs: { axis: -1 } },
        // attn [1,2,4,4] @ v [1,2,4,8]: 2*4*4*8 = 256 MACs.
        { op: 'MatMul', inputs: ['attn', 'ln'], outputs: ['ctx'] },
        { op: 'Flatten', inputs: ['ctx'], outputs: ['y'] },
      ],
    });
    expect(p.byOp.Einsum.macs).toBe(256);
    expect(p.byOp.MatMul.macs).toBe(256);
    expect(p.byOp.Softmax).toEqual({ count: 1, macs: 0, flops: 32 });
    expect(p.byOp.LayerNormalization).toEqual({ count: 1, macs: 0, flops: 5 * 64 });
    expect(p.macs).toBe(512);
    expect(p.params).toBe(16);
  });

  it('folds the ConstantOfShape / Equal / Where pattern torch emits for expand(-1, -1)', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: ['batch', 3, 2, 2] }],
      outputs: [{ name: 'y', shape: ['batch', 8] }],
      initializers: [
        weight('cls', [1, 1, 8]),
        int64('zero', [0]),
        int64('rest', [-1, -1]),
        int64('m1', [-1]),
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'] },
        { op: 'Concat', inputs: ['n', 'rest'], outputs: ['target'], attrs: { axis: 0 } },
        { op: 'Shape', inputs: ['target'], outputs: ['ts'] },
        {
          op: 'ConstantOfShape',
          inputs: ['ts'],
          outputs: ['ones'],
          attrs: { value: { tensor: { dims: [1], dataType: INT64, values: [1] } } },
        },
        { op: 'Equal', inputs: ['target', 'm1'], outputs: ['eq'] },
        { op: 'Where', inputs: ['eq', 'ones', 'target'], outputs: ['shape'] },
        { op: 'Expand', inputs: ['cls', 'shape'], outputs: ['e'] },
        { op: 'Flatten', inputs: ['e'], outputs: ['y'] },
      ],
    });
    expect(p.outputs[0].shape).toEqual([1, 8]);
    expect(p.complete).toBe(true);
  });

  it('reports per image when the file fixes a batch larger than 1', () => {
    const spec = (n: number): ModelSpec => ({
      inputs: [{ name: 'x', shape: [n, 3, 8, 8] }],
      outputs: [{ name: 'y', shape: [n, 4] }],
      initializers: [weight('w', [4, 3, 1, 1])],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
    });
    const one = profile(spec(1));
    const four = profile(spec(4));
    expect(one.macs).toBe(4 * 64 * 3);
    expect(four.macs).toBe(one.macs);
    expect(four.flops).toBe(one.flops);
    expect(four.batch).toBe(4);
  });

  it('takes C, H, W from inputSize when the file leaves them symbolic', () => {
    const p = profile(classifier({ shape: ['N', 3, 'H', 'W'] }), [3, 32, 16]);
    expect(p.inputs[0].shape).toEqual([1, 3, 32, 16]);
    expect(p.byOp.GlobalAveragePool.flops).toBe(3 * 32 * 16);
  });

  it('lists unsupported operators with counts and leaves what follows them unknown', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: [weight('w', [4, 3, 1, 1])],
      nodes: [
        { op: 'MysteryOp', inputs: ['x'], outputs: ['m'] },
        { op: 'FusedThing', domain: 'com.example', inputs: ['x'], outputs: ['unused'] },
        { op: 'Conv', inputs: ['m', 'w'], outputs: ['c'] },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
    });
    expect(p.complete).toBe(false);
    expect(p.macs).toBe(0);
    expect(p.unsupported).toEqual(
      expect.arrayContaining([
        { opType: 'MysteryOp', domain: '', count: 1, reason: 'no shape rule for this operator' },
        {
          opType: 'FusedThing',
          domain: 'com.example',
          count: 1,
          reason: "custom operator from domain 'com.example'",
        },
        {
          opType: 'Conv',
          domain: '',
          count: 1,
          reason: 'input shape unknown (downstream of an unsupported operator)',
        },
      ]),
    );
    expect(p.unsupported).toHaveLength(5);
    expect(p.outputs[0].shape).toBeNull();
    expect(p.classes).toBe(4);
  });

  it('reports a Reshape whose target is only known at run time instead of guessing', () => {
    const p = profile({
      inputs: [{ name: 'x', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'y', shape: [1, 12] }],
      nodes: [
        { op: 'ReduceMax', inputs: ['x'], outputs: ['mx'], attrs: { keepdims: 0 } },
        { op: 'Cast', inputs: ['mx'], outputs: ['mi'], attrs: { to: INT64 } },
        { op: 'Unsqueeze', inputs: ['mi', 'zero'], outputs: ['target'] },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
      ],
      initializers: [int64('zero', [0])],
    });
    expect(p.unsupported).toEqual([
      {
        opType: 'Reshape',
        domain: '',
        count: 1,
        reason: 'the target shape is computed at run time, not a constant',
      },
    ]);
  });
});

describe('profileOnnx: bad models and options', () => {
  it('rejects two image inputs, naming them', () => {
    const spec = classifier();
    spec.inputs.push({ name: 'mask', shape: [1, 1, 8, 8] });
    const e = errorOf(() => profile(spec));
    expect(e.code).toBe('MULTIPLE_INPUTS');
    expect(e.message).toMatch(/'x', 'mask'/);
  });

  it('ignores graph inputs that are initializers (IR < 4 style)', () => {
    const spec = classifier();
    spec.inputs.push({ name: 'w', shape: [3] });
    spec.initializers = [weight('w', [3])];
    expect(profile(spec).params).toBe(3);
  });

  it('rejects a model without an image input', () => {
    const noInput: ModelSpec = { ...classifier(), inputs: [] };
    expect(errorOf(() => profile(noInput)).code).toBe('NO_IMAGE_INPUT');
    expect(errorOf(() => profile(classifier({ elemType: INT64 }))).message).toMatch(
      /is an int64 tensor/,
    );
    expect(errorOf(() => profile(classifier({ elemType: BOOL }))).code).toBe('NO_IMAGE_INPUT');
    expect(errorOf(() => profile(classifier({ shape: [1, 192] }))).message).toMatch(
      /not an NCHW image/,
    );
    expect(errorOf(() => profile(classifier({ shape: [1, 224, 224, 3] }))).message).toMatch(/NHWC/);
  });

  it('asks for --input-size when C, H or W is symbolic, and checks it against fixed sizes', () => {
    const symbolic = classifier({ shape: ['N', 3, 'H', 'W'] });
    const e = errorOf(() => profile(symbolic));
    expect(e.code).toBe('INPUT_SIZE_REQUIRED');
    expect(e.message).toMatch(/--input-size 3,224,224/);
    expect(errorOf(() => profile(symbolic, [1, 32, 32])).code).toBe('INPUT_SIZE_MISMATCH');
    expect(errorOf(() => profile(symbolic, [3, 0, 32])).code).toBe('INVALID_OPTION');
    expect(errorOf(() => profile(symbolic, [3, 2.5, 32])).code).toBe('INVALID_OPTION');
    expect(profile(classifier(), [3, 8, 8]).inputs[0].shape).toEqual([1, 3, 8, 8]);
  });

  it('rejects outputs that are not [N, classes] logits', () => {
    const threeD: ModelSpec = { ...classifier(), outputs: [{ name: 'y', shape: ['N', 3, 1] }] };
    expect(errorOf(() => profile(threeD)).code).toBe('BAD_OUTPUT');
    // Declared without a shape, inferred 4-D.
    const inferred4d: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    };
    const e = errorOf(() => profile(inferred4d));
    expect(e.code).toBe('BAD_OUTPUT');
    expect(e.message).toMatch(/\[1, 3, 8, 8\]/);
    const two: ModelSpec = { ...classifier(), outputs: [{ name: 'y' }, { name: 'pooled' }] };
    expect(errorOf(() => profile(two)).code).toBe('BAD_OUTPUT');
  });

  it('needs external data only for tensors whose values it reads', () => {
    const external: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 2, 2] }],
      outputs: [{ name: 'y', shape: [1, 12] }],
      initializers: [{ name: 'target', dims: [2], dataType: INT64, external: 'model.onnx.data' }],
      nodes: [{ op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] }],
    };
    const e = errorOf(() => profile(external));
    expect(e.code).toBe('EXTERNAL_DATA');
    expect(e.message).toMatch(/model\.onnx\.data.*save_as_external_data=False/);

    const weights = classifier();
    weights.initializers = [{ name: 'w', dims: [1000], external: 'model.onnx.data' }];
    expect(profile(weights).params).toBe(1000);
  });

  it('rejects graphs that read undefined tensors or mismatched shapes', () => {
    const dangling: ModelSpec = {
      ...classifier(),
      nodes: [{ op: 'Flatten', inputs: ['nope'], outputs: ['y'] }],
    };
    expect(errorOf(() => profile(dangling)).code).toBe('INVALID_GRAPH');
    const mismatch: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: [weight('w', [4, 5, 3, 3])],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
    };
    const e = errorOf(() => profile(mismatch));
    expect(e.code).toBe('INVALID_GRAPH');
    expect(e.message).toMatch(/Conv node 'Conv_0'.*\[1, 3, 8, 8\]/);
  });

  it('passes the decoder errors through', () => {
    expect(errorOf(() => profileOnnx(new TextEncoder().encode('not a model'))).code).toBe(
      'NOT_ONNX',
    );
    const bytes = buildModel(classifier());
    expect(errorOf(() => profileOnnx(bytes.subarray(0, bytes.length - 3))).code).toBe('TRUNCATED');
  });
});
