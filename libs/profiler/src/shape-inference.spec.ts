import type { ShapeRule } from './shape-rules';
import { SHAPE_RULES } from './shape-rules';
import { int64 } from './testing/onnx-builder';
import { errorOf, profileSpec, withBody } from './testing/profile-testing';

const FLOAT8E4M3FN = 17;
const INT4 = 22;
const COMPLEX64 = 14;

describe('inferShapes: constants', () => {
  it('ignores initializers of unreadable types that no shape rule reads', () => {
    const p = profileSpec(
      withBody([{ op: 'Relu', inputs: ['x'], outputs: ['feat'] }], {
        initializers: [
          { name: 'f8', dims: [4], dataType: FLOAT8E4M3FN, raw: new Uint8Array(4) },
          { name: 'i4', dims: [8], dataType: INT4, raw: new Uint8Array(4) },
          { name: 'cx', dims: [2], dataType: COMPLEX64, raw: new Uint8Array(16) },
        ],
      }),
    );
    expect(p.complete).toBe(true);
  });

  it('reports a node that needs an unreadable constant, naming the data type', () => {
    const p = profileSpec(
      withBody(
        [
          { op: 'Reshape', inputs: ['x', 'target'], outputs: ['flat'] },
          { op: 'Relu', inputs: ['x'], outputs: ['feat'] },
        ],
        { initializers: [{ name: 'target', dims: [2], dataType: INT4, raw: new Uint8Array(1) }] },
      ),
    );
    expect(p.unsupported).toEqual([
      expect.objectContaining({
        opType: 'Reshape',
        reason:
          "the target shape ('target') has data type int4, which is not readable by the profiler",
      }),
    ]);
  });
});

describe('inferShapes: invalid graphs', () => {
  const invalid = (nodes: Parameters<typeof withBody>[0], initializers = [int64('c', [1])]) =>
    errorOf(() => profileSpec(withBody(nodes, { initializers })));

  it('rejects shapes that are not whole numbers, naming the node', () => {
    // Negative pads larger than the input: the plain formula gives a height of -2.
    const e = invalid(
      [{ op: 'Pad', inputs: ['x', 'pads'], outputs: ['feat'], name: 'shrink' }],
      [int64('pads', [0, 0, -10, 0, 0, 0, 0, 0])],
    );
    expect(e.code).toBe('INVALID_GRAPH');
    expect(e.message).toMatch(/Pad node 'shrink'.*\[1, 3, -2, 8\].*-2 is not a valid dimension/);
  });

  it.each([
    ['DepthToSpace', { blocksize: 2 }, /multiple of blocksize² = 4/],
    ['SpaceToDepth', { blocksize: 3 }, /divisible by blocksize 3/],
    ['MaxPool', {}, /needs kernel_shape/],
    ['AveragePool', { kernel_shape: [3] }, /does not match 2 spatial dims/],
  ])('checks %s constraints', (op, attrs, message) => {
    const e = invalid([{ op, inputs: ['x'], outputs: ['feat'], attrs }]);
    expect(e.code).toBe('INVALID_GRAPH');
    expect(e.message).toMatch(message);
  });

  it('turns errors a rule did not anticipate into INVALID_GRAPH for the node', () => {
    expect(invalid([{ op: 'Concat', inputs: [], outputs: ['feat'] }]).message).toMatch(
      /Concat node .* has no inputs/,
    );
    const negative = invalid(
      [
        { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['k'] },
        { op: 'Add', inputs: ['x', 'k'], outputs: ['feat'] },
      ],
      [int64('shape', [-2])],
    );
    expect(negative.code).toBe('INVALID_GRAPH');
    expect(negative.message).toMatch(/ConstantOfShape node/);

    const rules = SHAPE_RULES as Record<string, ShapeRule>;
    const spy = jest.spyOn(rules, 'Relu').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'shape')");
    });
    try {
      const e = invalid([{ op: 'Relu', inputs: ['x'], outputs: ['feat'], name: 'act' }]);
      expect(e.code).toBe('INVALID_GRAPH');
      expect(e.message).toMatch(/Relu node 'act'.*\(Cannot read properties/);
    } finally {
      spy.mockRestore();
    }
  });

  it('requires the axes input of Unsqueeze from opset 13', () => {
    const e = invalid([
      { op: 'Unsqueeze', inputs: ['x'], outputs: ['u'] },
      { op: 'Squeeze', inputs: ['u', 'c'], outputs: ['feat'] },
    ]);
    expect(e.message).toMatch(/Unsqueeze-13\+ needs the axes input/);
  });
});
