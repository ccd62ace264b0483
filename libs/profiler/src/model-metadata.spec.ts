// params and opset: what profileOnnx reads from the model besides the graph's costs.
import { FLOAT, INT64, int64, weight } from './testing/onnx-builder';
import { errorOf, profileSpec, withBody } from './testing/profile-testing';

const INT8 = 3;
const INT32 = 6;

const relu = [{ op: 'Relu', inputs: ['x'], outputs: ['feat'] }];

describe('profileOnnx: params', () => {
  it('counts float and 8-bit initializers and float Constant tensors, not shape integers or scalars', () => {
    const p = profileSpec(
      withBody(
        [
          ...relu,
          {
            op: 'Constant',
            inputs: [],
            outputs: ['k'],
            attrs: { value: { tensor: { dims: [2, 2], dataType: FLOAT } } },
          },
          {
            op: 'Constant',
            inputs: [],
            outputs: ['kf'],
            attrs: { value_floats: { floats: [1, 2] } },
          },
          { op: 'Constant', inputs: [], outputs: ['eps'], attrs: { value_float: { f: 1e-5 } } },
          {
            op: 'Constant',
            inputs: [],
            outputs: ['ki'],
            attrs: { value: { tensor: { dims: [3], dataType: INT64, values: [1, 2, 3] } } },
          },
        ],
        {
          initializers: [
            weight('w', [3]),
            { name: 'q', dims: [10], dataType: INT8 },
            { name: 'qb', dims: [5], dataType: INT32 },
            int64('shape', [1, -1]),
          ],
        },
      ),
    );
    // 3 float + 10 int8 weights + 4 + 2 from the float Constants; the scalar eps is an argument.
    expect(p.params).toBe(19);
  });
});

describe('profileOnnx: opset', () => {
  it('refuses a model that imports no default-domain opset', () => {
    const e = errorOf(() =>
      profileSpec(withBody(relu, { opsetImports: [{ domain: 'com.microsoft', version: 1 }] })),
    );
    expect(e.code).toBe('INVALID_GRAPH');
    expect(e.message).toMatch(/imports no ai\.onnx opset .*'com\.microsoft' 1.*re-export/);
  });

  it('accepts the default domain spelled ai.onnx', () => {
    const p = profileSpec(withBody(relu, { opsetImports: [{ domain: 'ai.onnx', version: 13 }] }));
    expect(p.opset).toBe(13);
  });
});

describe('profileOnnx: image input', () => {
  it('takes [1, 6, 4, 4] as NCHW and flags only NHWC-looking shapes', () => {
    expect(profileSpec(withBody(relu, { shape: [1, 6, 4, 4] })).inputs[0].shape).toEqual([
      1, 6, 4, 4,
    ]);
    for (const shape of [
      [1, 224, 224, 3],
      [1, 32, 32, 1],
      [1, 8, 8, 4],
    ]) {
      expect(errorOf(() => profileSpec(withBody(relu, { shape }))).message).toMatch(/NHWC/);
    }
  });
});
