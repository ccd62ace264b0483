/**
 * Thrown when image bytes cannot become pixels. The message says what is wrong with the bytes;
 * callers add which sample of which shard they were.
 */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

/** Channel counts of decoded pixels: L, LA, RGB, RGBA (PIL's modes of the same names). */
export type PixelChannels = 1 | 2 | 3 | 4;

/** 8-bit pixels, channels interleaved, rows top to bottom without padding. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: PixelChannels;
  readonly data: Uint8Array;
}

/**
 * sharp's default `limitInputPixels` (0x3FFF²): a bigger image is far more likely a decompression
 * bomb than a dataset sample, and would not fit a worker's memory anyway.
 */
export const MAX_IMAGE_PIXELS = 0x3fff * 0x3fff;
