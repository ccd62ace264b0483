import sharp from 'sharp';
import { seededRandom } from '@tinysaver/cascade';
import { encodeTestPng, SAMPLES_PER_PIXEL, type TestPng } from '../testing/png-encoder';
import { ImageDecodeError } from './decoded-image';
import { decodePng } from './png-decode';

type Combo = Pick<TestPng, 'colorType' | 'bitDepth'>;
const COMBOS: Combo[] = [
  ...([1, 2, 4, 8, 16] as const).map((bitDepth) => ({ colorType: 0 as const, bitDepth })),
  ...([1, 2, 4, 8] as const).map((bitDepth) => ({ colorType: 3 as const, bitDepth })),
  ...([2, 4, 6] as const).flatMap((colorType) =>
    ([8, 16] as const).map((bitDepth) => ({ colorType, bitDepth })),
  ),
];

/** 7×5: odd sizes leave Adam7 passes partly empty and pad packed rows. */
function randomPng(combo: Combo, interlaced: boolean, seed: number): TestPng {
  const random = seededRandom(seed);
  const [width, height] = [7, 5];
  const spp = SAMPLES_PER_PIXEL[combo.colorType];
  const max = combo.colorType === 3 ? Math.min(2 ** combo.bitDepth, 20) : 2 ** combo.bitDepth;
  const samples = Array.from({ length: width * height * spp }, () => random() % max);
  const palette = Array.from(
    { length: 20 },
    (_, i) => [i * 12, 255 - i * 7, (i * 53) % 256] as const,
  );
  return {
    ...combo,
    width,
    height,
    samples,
    interlaced,
    filter: 'cycle',
    palette: combo.colorType === 3 ? palette : undefined,
  };
}

/** What PIL's convert() starts from: 8-bit samples, palettes expanded to RGB. */
function expected8Bit(png: TestPng): number[] {
  const { bitDepth, colorType, palette } = png;
  if (colorType === 3) return png.samples.flatMap((i) => [...palette![i]]);
  // PIL clips 16-bit grey (mode I) to 255 but keeps the high byte of 16-bit colour and LA.
  if (bitDepth === 16) return png.samples.map((v) => (colorType === 0 ? Math.min(v, 255) : v >> 8));
  return png.samples.map((v) => (v * 255) / (2 ** bitDepth - 1));
}

describe('decodePng', () => {
  it.each(COMBOS.flatMap((c) => [false, true].map((interlaced) => ({ ...c, interlaced }))))(
    'decodes colour type $colorType at $bitDepth bits (interlaced: $interlaced) exactly',
    ({ colorType, bitDepth, interlaced }) => {
      const png = randomPng({ colorType, bitDepth }, interlaced, colorType * 100 + bitDepth);
      const decoded = decodePng(encodeTestPng(png));
      expect([decoded.width, decoded.height]).toEqual([7, 5]);
      expect(decoded.channels).toBe(colorType === 3 ? 3 : SAMPLES_PER_PIXEL[colorType]);
      expect([...decoded.data]).toEqual(expected8Bit(png));
    },
  );

  it('agrees with libvips on the test encoder output (so the encoder is not only self-consistent)', async () => {
    for (const colorType of [0, 2, 3, 4, 6] as const) {
      const png = randomPng({ colorType, bitDepth: 8 }, true, colorType);
      const bytes = encodeTestPng(png);
      // sharp widens grey to sRGB on output unless told to stay in b-w (which drops alpha).
      const grey = colorType === 0 || colorType === 4;
      const pipeline = grey ? sharp(bytes).toColourspace('b-w') : sharp(bytes);
      const { data } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      const ours = [...decodePng(bytes).data].filter((_, i) => colorType !== 4 || i % 2 === 0);
      expect(ours).toEqual([...data]);
    }
  });

  it('joins split IDAT chunks and handles 1×1 and 1-row interlaced images', () => {
    const split = randomPng({ colorType: 2, bitDepth: 8 }, false, 7);
    expect([...decodePng(encodeTestPng({ ...split, idatSize: 5 })).data]).toEqual(split.samples);
    for (const [width, height] of [
      [1, 1],
      [9, 1],
      [1, 9],
    ]) {
      const samples = Array.from({ length: width * height }, (_, i) => (i * 37) % 256);
      const png: TestPng = { width, height, colorType: 0, bitDepth: 8, samples, interlaced: true };
      expect([...decodePng(encodeTestPng(png)).data]).toEqual(samples);
    }
  });

  it('ignores a PLTE hint in a truecolour image and accepts a missing IEND', () => {
    const png = {
      ...randomPng({ colorType: 2, bitDepth: 8 }, false, 3),
      palette: [[1, 2, 3]] as const,
    };
    const bytes = encodeTestPng(png);
    expect([...decodePng(bytes).data]).toEqual(png.samples);
    expect([...decodePng(bytes.subarray(0, bytes.length - 12)).data]).toEqual(png.samples);
  });

  describe('refuses broken files with ImageDecodeError', () => {
    const good = encodeTestPng(randomPng({ colorType: 0, bitDepth: 8 }, false, 1));
    const withIhdr = (patch: (ihdr: Buffer) => void) => {
      const png = encodeTestPng(randomPng({ colorType: 0, bitDepth: 8 }, false, 1));
      patch(png.subarray(16, 29));
      return png;
    };
    it.each([
      ['cut inside a chunk', good.subarray(0, good.length - 20), /truncated PNG/],
      ['cut after the header', good.subarray(0, 33), /no IDAT/],
      [
        'a flipped pixel-data byte',
        (() => {
          const b = Buffer.from(good);
          b[45] ^= 1;
          return b;
        })(),
        /IDAT chunk fails its CRC/,
      ],
      ['an unknown colour type', withIhdr((h) => (h[9] = 5)), /CRC|colour type/],
    ])('%s', (_name, bytes, message) => {
      expect(() => decodePng(bytes)).toThrow(ImageDecodeError);
      expect(() => decodePng(bytes)).toThrow(message);
    });
  });
});
