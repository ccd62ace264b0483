import sharp from 'sharp';
import { readJpegHeader } from './jpeg-header';

const noise = (width: number, height: number, channels: 1 | 3) =>
  sharp(Buffer.from(Array.from({ length: width * height * channels }, (_, i) => (i * 37) % 251)), {
    raw: { width, height, channels },
  });

describe('readJpegHeader', () => {
  it.each([
    ['baseline colour', noise(37, 21, 3).jpeg(), 3],
    [
      'progressive colour with EXIF before the frame',
      noise(37, 21, 3).withMetadata().jpeg({ progressive: true }),
      3,
    ],
    ['grey', noise(37, 21, 1).toColourspace('b-w').jpeg(), 1],
  ] as const)('reads size and components of a %s JPEG', async (_name, pipeline, components) => {
    const bytes = await pipeline.toBuffer();
    expect(readJpegHeader(bytes)).toEqual({ width: 37, height: 21, components });
  });

  it('gives up (undefined) on bytes without a readable frame header', async () => {
    const bytes = await noise(8, 8, 3).jpeg().toBuffer();
    expect(readJpegHeader(bytes.subarray(0, 6))).toBeUndefined();
    expect(readJpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 0, 0]))).toBeUndefined();
    expect(readJpegHeader(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0, 2, 0, 0]))).toBeUndefined();
  });
});
