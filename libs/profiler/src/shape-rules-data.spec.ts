// Shape rules for resampling, splitting and the constraints that keep dims whole numbers.
import { ShapeError } from './tensor';
import { UnsupportedNodeError } from './tensor';
import { floatConst, floats, int64s, runRule } from './testing/rule-harness';

const shapes = (outputs: ({ shape: number[] } | undefined)[]) => outputs.map((t) => t?.shape);

describe('Resize', () => {
  it('takes sizes, else scales (floored), and skips an empty scales input', () => {
    const x = floats(1, 3, 8, 8);
    expect(shapes(runRule('Resize', [x, undefined, floatConst([1, 1, 2, 1.5])]))).toEqual([
      [1, 3, 16, 12],
    ]);
    const noScales = floatConst([]);
    expect(shapes(runRule('Resize', [x, undefined, noScales, int64s([1, 3, 5, 7])]))).toEqual([
      [1, 3, 5, 7],
    ]);
    // Resize-10 and Upsample-9 take scales as input 1.
    expect(shapes(runRule('Resize', [x, floatConst([1, 1, 0.5, 0.5])], {}, { opset: 10 }))).toEqual(
      [[1, 3, 4, 4]],
    );
  });

  it('reports scales known only at run time', () => {
    expect(() => runRule('Resize', [floats(1, 3, 8, 8), undefined, floats(4)])).toThrow(
      UnsupportedNodeError,
    );
  });
});

describe('Split', () => {
  const x = floats(1, 8, 4);

  it('splits by the sizes input (opset 13+) or attribute, else into equal parts', () => {
    expect(shapes(runRule('Split', [x, int64s([2, 6])], { axis: 1 }, { outputs: 2 }))).toEqual([
      [1, 2, 4],
      [1, 6, 4],
    ]);
    expect(
      shapes(runRule('Split', [x], { axis: 1, split: [5, 3] }, { opset: 11, outputs: 2 })),
    ).toEqual([
      [1, 5, 4],
      [1, 3, 4],
    ]);
    // Opset 18 num_outputs: ceil(8 / 3) = 3, the last part smaller.
    expect(shapes(runRule('Split', [x], { axis: 1 }, { outputs: 3 }))).toEqual([
      [1, 3, 4],
      [1, 3, 4],
      [1, 2, 4],
    ]);
  });

  it('rejects sizes that do not cover the axis', () => {
    expect(() => runRule('Split', [x, int64s([2, 5])], { axis: 1 }, { outputs: 2 })).toThrow(
      /summing to 8/,
    );
  });
});

describe('constraints that keep dims whole', () => {
  it('checks DepthToSpace channels and accepts a valid block', () => {
    expect(shapes(runRule('DepthToSpace', [floats(1, 8, 4, 4)], { blocksize: 2 }))).toEqual([
      [1, 2, 8, 8],
    ]);
    expect(() => runRule('DepthToSpace', [floats(1, 6, 8, 8)], { blocksize: 2 })).toThrow(
      ShapeError,
    );
  });

  it('checks Slice argument lengths', () => {
    expect(() => runRule('Slice', [floats(4, 4), int64s([0, 0]), int64s([2])])).toThrow(
      /same length/,
    );
  });

  it('checks Conv output channels split into the groups', () => {
    expect(() => runRule('Conv', [floats(1, 4, 8, 8), floats(6, 1, 3, 3)], { group: 4 })).toThrow(
      /group 4/,
    );
  });

  it('checks ConvTranspose weight input channels', () => {
    expect(() => runRule('ConvTranspose', [floats(1, 4, 5, 5), floats(2, 3, 3, 3)])).toThrow(
      /does not fit weight/,
    );
  });
});
