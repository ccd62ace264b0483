import { thrownCode } from '../../testing/thrown-code';
import { canonicalPreprocess, resolvePreprocess } from './preprocess-config';
import { planResize, roundHalfEven } from './resize-geometry';

describe('resolvePreprocess', () => {
  it('fills timm defaults for a colour model', () => {
    expect(resolvePreprocess({ inputSize: [3, 224, 224] })).toEqual({
      inputSize: [3, 224, 224],
      interpolation: 'bilinear',
      cropPct: 0.875,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      channels: 'RGB',
      layout: 'NCHW',
    });
  });

  it('uses the average ImageNet statistics for a grey model and keeps given values', () => {
    const grey = resolvePreprocess({ inputSize: [1, 28, 28] });
    expect(grey.channels).toBe('L');
    expect(grey.mean[0]).toBeCloseTo(0.449, 12);
    expect(grey.std[0]).toBeCloseTo(0.226, 12);
    const zoo = resolvePreprocess({
      inputSize: [1, 28, 28],
      mean: [0.286],
      std: [0.353],
      cropPct: 1,
      interpolation: 'bilinear',
      channels: 'L',
    });
    expect(zoo).toMatchObject({ mean: [0.286], std: [0.353], cropPct: 1 });
  });

  it('gives the same canonical text to equivalent inputs and different text otherwise', () => {
    const a = resolvePreprocess({ inputSize: [3, 224, 224] });
    const b = resolvePreprocess({
      layout: 'NCHW',
      channels: 'RGB',
      cropPct: 0.875,
      inputSize: [3, 224, 224],
    });
    expect(canonicalPreprocess(a)).toBe(canonicalPreprocess(b));
    const c = resolvePreprocess({ inputSize: [3, 224, 224], interpolation: 'bicubic' });
    expect(canonicalPreprocess(c)).not.toBe(canonicalPreprocess(a));
  });

  it.each([
    [{ inputSize: [224, 224] }, /inputSize must be \[C, H, W\]/],
    [{ inputSize: [3, 0, 224] }, /inputSize/],
    [{ inputSize: [3, 224.5, 224] }, /inputSize/],
    [{ inputSize: [4, 224, 224] }, /4 channels/],
    [{ inputSize: [3, 224, 224], channels: 'L' }, /does not fit 3/],
    [{ inputSize: [1, 28, 28], channels: 'RGB' }, /does not fit 1/],
    [{ inputSize: [3, 224, 224], cropPct: 0 }, /cropPct must be in \(0, 1\]/],
    [{ inputSize: [3, 224, 224], cropPct: 1.2 }, /cropPct/],
    [{ inputSize: [3, 224, 224], mean: [0.5] }, /mean has 1 values but inputSize has 3/],
    [{ inputSize: [1, 28, 28], std: [0] }, /every std must be > 0/],
    [{ inputSize: [3, 224, 224], interpolation: 'area' }, /interpolation 'area'/],
    [{ inputSize: [3, 224, 224], layout: 'CHW' }, /layout 'CHW'/],
  ])('refuses %j', (input, message) => {
    expect(thrownCode(() => resolvePreprocess(input as never))).toBe('preprocess-invalid');
    expect(() => resolvePreprocess(input as never)).toThrow(message);
  });
});

describe('planResize (timm eval transform)', () => {
  const p224 = resolvePreprocess({ inputSize: [3, 224, 224] });

  it('resizes the shorter side to floor(224 / 0.875) = 256 and centre-crops 224', () => {
    expect(planResize({ width: 500, height: 375 }, p224)).toEqual({
      resize: { width: 341, height: 256 },
      crop: { left: 58, top: 16, width: 224, height: 224 },
    });
    expect(planResize({ width: 300, height: 400 }, p224)).toEqual({
      resize: { width: 256, height: 341 },
      crop: { left: 16, top: 58, width: 224, height: 224 },
    });
  });

  it('skips the resize when the image already has the target size', () => {
    expect(planResize({ width: 256, height: 256 }, p224).resize).toBeUndefined();
    const zoo = resolvePreprocess({ inputSize: [1, 28, 28], cropPct: 1 });
    expect(planResize({ width: 28, height: 28 }, zoo)).toEqual({
      resize: undefined,
      crop: { left: 0, top: 0, width: 28, height: 28 },
    });
  });

  it('resizes a non-square input to exact scaled sides', () => {
    const wide = resolvePreprocess({ inputSize: [3, 192, 256], cropPct: 1 });
    expect(planResize({ width: 640, height: 480 }, wide)).toEqual({
      resize: { width: 256, height: 192 },
      crop: { left: 0, top: 0, width: 256, height: 192 },
    });
  });

  it('rounds crop offsets half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.49, 3.5].map(roundHalfEven)).toEqual([0, 2, 2, 3, 4]);
    // 229 − 224 = 5 → 2.5 → 2 (Python round), not 3.
    const p = resolvePreprocess({ inputSize: [3, 224, 224], cropPct: 224 / 229 });
    expect(planResize({ width: 229, height: 229 }, p).crop.left).toBe(2);
  });
});
