import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { planResize, resolvePreprocess, type PreprocessInput } from '@tinysaver/cascade';
import { readShard, type ImageExtension } from '@tinysaver/webdataset';
import { encodeTestPng, type TestPng } from '../testing/png-encoder';
import { configureImageDecoding, ImageDecodeError, imageToTensor } from './image-tensor';
import * as sharpImage from './sharp-image';
import type * as SharpImage from './sharp-image';

// Wrap the real resize so tests can tell whether sharp resampled at all.
jest.mock('./sharp-image', () => {
  const actual = jest.requireActual<typeof SharpImage>('./sharp-image');
  return { ...actual, resizeWithSharp: jest.fn(actual.resizeWithSharp) };
});
const resizeSpy = jest.mocked(sharpImage.resizeWithSharp);
beforeEach(() => resizeSpy.mockClear());

const f = Math.fround;
/** torchvision's ToTensor + Normalize in float32, written out independently of the code under test. */
const norm = (v: number, mean: number, std: number) => f(f(f(v / 255) - f(mean)) / f(std));
/** PIL's convert('L') luma, written out independently. */
const luma = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;

const pre = (input: PreprocessInput) => resolvePreprocess({ cropPct: 1, ...input });
const GREY = pre({ inputSize: [1, 3, 4], mean: [0.286], std: [0.353] });
const COLOUR = pre({ inputSize: [3, 3, 4] });

async function tensorOf(bytes: Uint8Array, extension: ImageExtension, p: ReturnType<typeof pre>) {
  const out = new Float32Array(p.inputSize.reduce((a, b) => a * b));
  await imageToTensor(bytes, extension, p, out, 0);
  return [...out];
}

/** Compares long tensors without Jest rendering a diff of a hundred thousand numbers. */
function expectSame(actual: readonly number[], expected: readonly number[]) {
  const wrong = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  expect({ length: actual.length, firstMismatch: wrong }).toEqual({
    length: expected.length,
    firstMismatch: -1,
  });
}

/** Expected NCHW values from 8-bit pixels already in the model's mode (interleaved). */
function expectedNchw(pixels: number[], p: ReturnType<typeof pre>): number[] {
  const [c, h, w] = p.inputSize;
  const out: number[] = [];
  for (let t = 0; t < c; t++)
    for (let i = 0; i < h * w; i++) out.push(norm(pixels[i * c + t], p.mean[t], p.std[t]));
  return out;
}

/** A 4×3 image's RGB pixels and how each PNG flavour stores them. */
const RGB = Array.from({ length: 12 }, (_, i) => [
  (i * 23) % 256,
  (i * 91 + 7) % 256,
  255 - i * 19,
]);
const PALETTE = [...new Set(RGB.map((c) => c.join()))].map(
  (c) => c.split(',').map(Number) as [number, number, number],
);
const FLAVOURS: Record<string, TestPng> = {
  rgb: { width: 4, height: 3, colorType: 2, bitDepth: 8, samples: RGB.flat() },
  rgba: {
    width: 4,
    height: 3,
    colorType: 6,
    bitDepth: 8,
    samples: RGB.flatMap((c, i) => [...c, i * 20]),
  },
  palette: {
    width: 4,
    height: 3,
    colorType: 3,
    bitDepth: 4,
    samples: RGB.map((_, i) => i),
    palette: PALETTE,
  },
  'rgb 16-bit': {
    width: 4,
    height: 3,
    colorType: 2,
    bitDepth: 16,
    samples: RGB.flat().map((v) => v * 256 + 255 - v),
  },
};

describe('imageToTensor on synthetic PNGs (no resize)', () => {
  it('writes grey 8-bit pixels as float32 ToTensor + Normalize values', async () => {
    const grey = Array.from({ length: 12 }, (_, i) => i * 21 + 3);
    const png = encodeTestPng({ width: 4, height: 3, colorType: 0, bitDepth: 8, samples: grey });
    expect(await tensorOf(png, 'png', GREY)).toEqual(expectedNchw(grey, GREY));
  });

  it.each(Object.keys(FLAVOURS))(
    'reads a %s PNG as RGB (alpha dropped, palette expanded, high byte)',
    async (name) => {
      const png = encodeTestPng(FLAVOURS[name]);
      expect(await tensorOf(png, 'png', COLOUR)).toEqual(expectedNchw(RGB.flat(), COLOUR));
    },
  );

  it.each(Object.keys(FLAVOURS))('converts a %s PNG to L with PIL’s integer luma', async (name) => {
    const png = encodeTestPng(FLAVOURS[name]);
    expect(await tensorOf(png, 'png', GREY)).toEqual(
      expectedNchw(
        RGB.map((c) => luma(c[0], c[1], c[2])),
        GREY,
      ),
    );
  });

  it('clips 16-bit grey to 255 as PIL does (mode I), but keeps the high byte of 16-bit grey+alpha', async () => {
    const samples = [0, 200, 255, 256, 1000, 65535];
    const grey = encodeTestPng({ width: 6, height: 1, colorType: 0, bitDepth: 16, samples });
    const p = pre({ inputSize: [1, 1, 6], mean: [0], std: [1] });
    const levels = async (png: Uint8Array) =>
      (await tensorOf(png, 'png', p)).map((x) => Math.round(x * 255));
    expect(await levels(grey)).toEqual([0, 200, 255, 255, 255, 255]);
    const withAlpha = encodeTestPng({
      width: 6,
      height: 1,
      colorType: 4,
      bitDepth: 16,
      samples: samples.flatMap((v) => [v, 65535]),
    });
    expect(await levels(withAlpha)).toEqual([0, 0, 0, 1, 3, 255]);
  });

  it('replicates grey (with or without alpha) into three channels', async () => {
    const grey = Array.from({ length: 12 }, (_, i) => 250 - i * 20);
    const png = encodeTestPng({
      width: 4,
      height: 3,
      colorType: 4,
      bitDepth: 8,
      samples: grey.flatMap((v) => [v, 0]),
    });
    expect(await tensorOf(png, 'png', COLOUR)).toEqual(
      expectedNchw(
        grey.flatMap((v) => [v, v, v]),
        COLOUR,
      ),
    );
  });

  it('matches PIL’s luma for pure red, green, blue and white', async () => {
    const samples = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
    const png = encodeTestPng({ width: 4, height: 1, colorType: 2, bitDepth: 8, samples });
    const p = pre({ inputSize: [1, 1, 4], mean: [0], std: [1] });
    expect((await tensorOf(png, 'png', p)).map((x) => Math.round(x * 255))).toEqual([
      76, 150, 29, 255,
    ]);
  });

  describe('layout and channel order', () => {
    // Two pixels: red and (0, 128, 255); with mean = std = 0.5, 255 → 1 and 0 → −1.
    const png = encodeTestPng({
      width: 2,
      height: 1,
      colorType: 2,
      bitDepth: 8,
      samples: [255, 0, 0, 0, 128, 255],
    });
    const mid = norm(128, 0.5, 0.5);
    const half = { inputSize: [3, 1, 2], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    it.each([
      ['NCHW', 'RGB', [1, -1, -1, mid, -1, 1]],
      ['NHWC', 'RGB', [1, -1, -1, -1, mid, 1]],
      ['NCHW', 'BGR', [-1, 1, -1, mid, 1, -1]],
      ['NHWC', 'BGR', [-1, -1, 1, 1, mid, -1]],
    ] as const)('%s %s', async (layout, channels, expected) => {
      expect(await tensorOf(png, 'png', pre({ ...half, layout, channels }))).toEqual(expected);
    });
    it('uses the per-channel mean and std of the tensor channel (BGR: mean[0] goes with blue)', async () => {
      const p = pre({ inputSize: [3, 1, 2], mean: [0, 0.5, 1], std: [1, 2, 4], channels: 'BGR' });
      const expected = [
        norm(0, 0, 1),
        norm(255, 0, 1),
        norm(0, 0.5, 2),
        norm(128, 0.5, 2),
        norm(255, 1, 4),
        norm(0, 1, 4),
      ];
      expect(await tensorOf(png, 'png', p)).toEqual(expected);
    });
  });

  it('writes only its own sample slot and refuses slots that do not fit', async () => {
    const png = encodeTestPng({
      width: 4,
      height: 3,
      colorType: 0,
      bitDepth: 8,
      samples: new Array<number>(12).fill(9),
    });
    const out = new Float32Array(3 * 12).fill(Number.NaN);
    await imageToTensor(png, 'png', GREY, out, 1);
    expect(out.slice(0, 12).every(Number.isNaN)).toBe(true);
    expect([...out.slice(12, 24)]).toEqual(new Array<number>(12).fill(norm(9, 0.286, 0.353)));
    expect(out.slice(24).every(Number.isNaN)).toBe(true);
    await expect(imageToTensor(png, 'png', GREY, out, 3)).rejects.toThrow(RangeError);
    await expect(imageToTensor(png, 'png', GREY, out, -1)).rejects.toThrow(RangeError);
  });
});

describe('imageToTensor geometry (centre crop without resampling)', () => {
  /** Pixel value = 10·row + column, so every crop position is visible in the output. */
  const grid = (width: number, height: number) =>
    Array.from({ length: width * height }, (_, i) => 10 * Math.floor(i / width) + (i % width));

  it.each([
    // Non-square input size: target floor(3/0.5)×floor(2/0.5) = 6×4, left = round(1.5) = 2 (half to even).
    { width: 6, height: 4, input: [1, 2, 3], cropPct: 0.5, left: 2, top: 1 },
    // Square: floor(3/0.6) = 5 = the short side, so no resize; left = top = 1.
    { width: 5, height: 5, input: [1, 3, 3], cropPct: 0.6, left: 1, top: 1 },
  ])(
    '$width×$height image, inputSize $input, cropPct $cropPct',
    async ({ width, height, input, cropPct, left, top }) => {
      const p = pre({ inputSize: input, cropPct, mean: [0], std: [1] });
      const [, h, w] = p.inputSize;
      expect(planResize({ width, height }, p)).toEqual({
        resize: undefined,
        crop: { left, top, width: w, height: h },
      });
      const png = encodeTestPng({
        width,
        height,
        colorType: 0,
        bitDepth: 8,
        samples: grid(width, height),
      });
      const values = (await tensorOf(png, 'png', p)).map((x) => Math.round(x * 255));
      const expected = Array.from(
        { length: h * w },
        (_, i) => 10 * (top + Math.floor(i / w)) + left + (i % w),
      );
      expect(values).toEqual(expected);
      expect(resizeSpy).not.toHaveBeenCalled();
    },
  );
});

describe('imageToTensor with resizing (sharp)', () => {
  const gradient = Array.from({ length: 64 * 48 }, (_, i) => [
    (i % 64) * 4,
    Math.floor(i / 64) * 5,
    128,
  ]).flat();
  const p = pre({ inputSize: [3, 32, 32], cropPct: 0.875 });

  it('resizes 64×48 to 48×36 and centre-crops 32×32, as sharp does on the whole pipeline', async () => {
    const png = encodeTestPng({
      width: 64,
      height: 48,
      colorType: 2,
      bitDepth: 8,
      samples: gradient,
    });
    const values = await tensorOf(png, 'png', p);
    expect(resizeSpy).toHaveBeenCalledTimes(1);
    expect(values).toHaveLength(3 * 32 * 32);
    expect(values.every(Number.isFinite)).toBe(true);
    const reference = await sharp(png)
      .resize(48, 36, { fit: 'fill', kernel: 'linear' })
      .extract({ left: 8, top: 2, width: 32, height: 32 })
      .raw()
      .toBuffer();
    expect(values).toEqual(expectedNchw([...reference], p));
  });

  it.each(['bilinear', 'bicubic', 'nearest'] as const)(
    'keeps a constant colour constant (%s)',
    async (interpolation) => {
      const colour = [10, 200, 77];
      const png = encodeTestPng({
        width: 64,
        height: 48,
        colorType: 2,
        bitDepth: 8,
        samples: gradient.map((_, i) => colour[i % 3]),
      });
      const values = await tensorOf(png, 'png', { ...p, interpolation });
      expect(values).toEqual(expectedNchw(new Array<number[]>(32 * 32).fill(colour).flat(), p));
    },
  );

  it('resizes one grey channel without widening it to RGB', async () => {
    const png = encodeTestPng({
      width: 40,
      height: 30,
      colorType: 0,
      bitDepth: 8,
      samples: new Array<number>(1200).fill(99),
    });
    const grey = pre({ inputSize: [1, 16, 16], cropPct: 0.875, mean: [0.5], std: [0.25] });
    expect(await tensorOf(png, 'png', grey)).toEqual(
      new Array<number>(256).fill(norm(99, 0.5, 0.25)),
    );
    expect(resizeSpy).toHaveBeenCalledTimes(1);
  });
});

describe('imageToTensor on JPEG and WebP (sharp)', () => {
  const pixels = Array.from({ length: 12 }, (_, i) => [
    i * 20,
    255 - i * 20,
    (i * 40) % 256,
  ]).flat();
  const raw = () => sharp(Buffer.from(pixels), { raw: { width: 4, height: 3, channels: 3 } });

  it('decodes a lossless WebP to the exact pixels', async () => {
    const webp = await raw().webp({ lossless: true }).toBuffer();
    expect(await tensorOf(webp, 'webp', COLOUR)).toEqual(expectedNchw(pixels, COLOUR));
  });

  it('decodes a JPEG to what libvips decodes, whatever the member extension says', async () => {
    const jpeg = await raw().jpeg({ quality: 90 }).toBuffer();
    const decoded = [...(await sharp(jpeg).raw().toBuffer())];
    expect(await tensorOf(jpeg, 'jpg', COLOUR)).toEqual(expectedNchw(decoded, COLOUR));
    expect(await tensorOf(jpeg, 'png', COLOUR)).toEqual(expectedNchw(decoded, COLOUR));
    const png = encodeTestPng({ width: 4, height: 3, colorType: 2, bitDepth: 8, samples: pixels });
    expect(await tensorOf(png, 'jpeg', COLOUR)).toEqual(expectedNchw(pixels, COLOUR));
  });

  it('ignores an embedded ICC profile (PIL does not colour-manage)', async () => {
    const tagged = await raw().withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const asStored = [...(await sharp(tagged, { ignoreIcc: true }).raw().toBuffer())];
    const managed = [...(await sharp(tagged).raw().toBuffer())];
    expect(managed).not.toEqual(asStored);
    expect(await tensorOf(tagged, 'jpg', COLOUR)).toEqual(expectedNchw(asStored, COLOUR));
    const lumaOf = Array.from({ length: 12 }, (_, i) =>
      luma(asStored[3 * i], asStored[3 * i + 1], asStored[3 * i + 2]),
    );
    expect(await tensorOf(tagged, 'jpg', GREY)).toEqual(expectedNchw(lumaOf, GREY));
  });

  it('does not apply EXIF orientation (PIL and timm do not)', async () => {
    const rotated = await raw().withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    const asStored = [...(await sharp(rotated).raw().toBuffer())];
    expect(await tensorOf(rotated, 'jpg', COLOUR)).toEqual(expectedNchw(asStored, COLOUR));
  });

  it('reads a grey JPEG for a grey model', async () => {
    const jpeg = await sharp(Buffer.from(pixels.slice(0, 12)), {
      raw: { width: 4, height: 3, channels: 1 },
    })
      .toColourspace('b-w')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).channels).toBe(1);
    const decoded = [...(await sharp(jpeg).toColourspace('b-w').raw().toBuffer())];
    expect(await tensorOf(jpeg, 'jpeg', GREY)).toEqual(expectedNchw(decoded, GREY));
  });
});

describe('imageToTensor resizing JPEGs', () => {
  const p = pre({ inputSize: [3, 56, 56], cropPct: 0.875 });
  // 400×320 → shorter side floor(56/0.875) = 64: 80×64, crop at (12, 4). A 5× reduction is where
  // libjpeg's shrink-on-load would change pixels if sharp were allowed to use it.
  const [W, H] = [400, 320];
  const plan = {
    resize: { width: 80, height: 64 },
    crop: { left: 12, top: 4, width: 56, height: 56 },
  };
  const photos = new Map<number, Promise<Buffer>>();
  const photo = (channels: 1 | 3) => {
    if (!photos.has(channels)) {
      const pixels = Buffer.alloc(W * H * channels);
      for (let i = 0; i < pixels.length; i++)
        pixels[i] = ((i % (W * channels)) * 13 + Math.floor(i / (W * channels)) * 7) % 256;
      const image = sharp(pixels, { raw: { width: W, height: H, channels } });
      photos.set(
        channels,
        (channels === 1 ? image.toColourspace('b-w') : image).jpeg({ quality: 85 }).toBuffer(),
      );
    }
    return photos.get(channels)!;
  };
  /** PIL's order done step by step with libvips: decode, convert, resize, crop. */
  async function stepByStep(jpeg: Buffer, mode: 'L' | 'RGB') {
    const decoded = await sharp(jpeg).raw().toBuffer(); // colour, or grey widened to RGB
    const pixels = mode === 'RGB' ? decoded : Buffer.alloc(W * H);
    if (mode === 'L')
      for (let i = 0; i < W * H; i++)
        pixels[i] = luma(decoded[3 * i], decoded[3 * i + 1], decoded[3 * i + 2]);
    const channels = mode === 'RGB' ? 3 : 1;
    let resized = sharp(pixels, { raw: { width: W, height: H, channels } }).resize(80, 64, {
      fit: 'fill',
      kernel: 'linear',
    });
    if (channels === 1) resized = resized.toColourspace('b-w');
    return [...(await resized.extract(plan.crop).raw().toBuffer())];
  }

  it('plans the expected geometry', () => {
    expect(planResize({ width: W, height: H }, p)).toEqual(plan);
  });

  it('fuses decode, resize and crop for a colour JPEG and a colour model, with the same pixels', async () => {
    const jpeg = await photo(3);
    expectSame(await tensorOf(jpeg, 'jpg', p), expectedNchw(await stepByStep(jpeg, 'RGB'), p));
    expect(resizeSpy).not.toHaveBeenCalled();
  });

  it('converts a colour JPEG to L before resizing for a grey model', async () => {
    const jpeg = await photo(3);
    const grey = pre({ inputSize: [1, 56, 56], cropPct: 0.875, mean: [0.5], std: [0.5] });
    expectSame(await tensorOf(jpeg, 'jpg', grey), expectedNchw(await stepByStep(jpeg, 'L'), grey));
    expect(resizeSpy).toHaveBeenCalledTimes(1);
  });

  it('fuses a grey JPEG for both grey and colour models', async () => {
    const jpeg = await photo(1);
    const grey = pre({ inputSize: [1, 56, 56], cropPct: 0.875, mean: [0.5], std: [0.5] });
    const reference = await stepByStep(jpeg, 'L');
    expectSame(await tensorOf(jpeg, 'jpg', grey), expectedNchw(reference, grey));
    expectSame(
      await tensorOf(jpeg, 'jpg', p),
      expectedNchw(
        reference.flatMap((v) => [v, v, v]),
        p,
      ),
    );
    expect(resizeSpy).not.toHaveBeenCalled();
  });
});

describe('imageToTensor refuses what is not an image', () => {
  const png = encodeTestPng({
    width: 8,
    height: 8,
    colorType: 2,
    bitDepth: 8,
    samples: new Array<number>(192).fill(3).map((v, i) => (v * i) % 256),
  });
  const half = (bytes: Uint8Array) => bytes.subarray(0, Math.floor(bytes.length / 2));
  it.each([
    [
      'garbage',
      () => Promise.resolve(new TextEncoder().encode('hello, not an image')),
      'png',
      /not a PNG\/JPEG\/WebP image/,
    ],
    ['an empty buffer', () => Promise.resolve(new Uint8Array(0)), 'jpg', /empty \.jpg image/],
    ['a truncated PNG', () => Promise.resolve(half(png)), 'png', /truncated/],
    ['a truncated JPEG', async () => half(await sharp(png).jpeg().toBuffer()), 'jpg', /JPEG/],
    [
      'a WebP header over junk',
      () => Promise.resolve(new TextEncoder().encode('RIFF\x10\0\0\0WEBPVP8 junkjunk')),
      'webp',
      /WebP/,
    ],
  ] as const)('%s', async (_name, make, extension, message) => {
    const promise = imageToTensor(await make(), extension, COLOUR, new Float32Array(36), 0);
    await expect(promise).rejects.toThrow(ImageDecodeError);
    await expect(
      imageToTensor(await make(), extension, COLOUR, new Float32Array(36), 0),
    ).rejects.toThrow(message);
  });
});

describe('configureImageDecoding', () => {
  it('sets libvips threads and refuses nonsense', () => {
    const before = sharp.concurrency();
    try {
      configureImageDecoding({ vipsThreads: 1 });
      expect(sharp.concurrency()).toBe(1);
    } finally {
      sharp.concurrency(before);
    }
    expect(() => configureImageDecoding({ vipsThreads: 0 })).toThrow(RangeError);
    expect(() => configureImageDecoding({ vipsThreads: 1.5 })).toThrow(RangeError);
  });
});

describe('imageToTensor on the Fashion-MNIST fixture shard', () => {
  it('turns the first 200 samples into exactly the normalised raw pixels (cnn-small preprocess)', async () => {
    const root = join(__dirname, '..', '..', '..', '..', 'fixtures');
    const zoo = JSON.parse(readFileSync(join(root, 'zoo', 'manifest.json'), 'utf8')) as {
      models: { name: string; preprocess: PreprocessInput }[];
    };
    const model = zoo.models.find((m) => m.name === 'cnn-small');
    const p = resolvePreprocess(model!.preprocess);
    const file = join(root, 'datasets', 'fashion-mnist-evaluation', 'evaluation-000000.tar.gz');
    const out = new Float32Array(784);
    let seen = 0;
    for await (const sample of readShard(createReadStream(file), {
      shard: 'evaluation-000000.tar.gz',
    })) {
      const bytes = sample.files.get(sample.imageExtension)!;
      await imageToTensor(bytes, sample.imageExtension, p, out, 0);
      // Decoded independently by libvips: the raw 28×28 grey pixels.
      const pixels = await sharp(bytes).toColourspace('b-w').raw().toBuffer();
      expect(pixels).toHaveLength(784);
      expect([...out]).toEqual([...pixels].map((v) => norm(v, p.mean[0], p.std[0])));
      if (++seen === 200) break;
    }
    expect(seen).toBe(200);
    expect(resizeSpy).not.toHaveBeenCalled();
  });
});
