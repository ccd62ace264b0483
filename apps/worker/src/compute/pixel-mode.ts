import type { DecodedImage } from './decoded-image';

/** The two PIL modes a model input is made from: one grey channel or three colour channels. */
export type PilMode = 'L' | 'RGB';

/** PIL's ITU-R 601-2 luma in 16-bit fixed point (`L24` in Convert.c): bit-exact convert('L'). */
export function pilLuma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

function toGrey(image: DecodedImage): Uint8Array {
  const { data, channels } = image;
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels);
  for (let i = 0, o = 0; i < pixels; i++, o += channels) {
    out[i] = channels < 3 ? data[o] : pilLuma(data[o], data[o + 1], data[o + 2]);
  }
  return out;
}

function toColour(image: DecodedImage): Uint8Array {
  const { data, channels } = image;
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; i < pixels; i++, o += channels) {
    // Grey is replicated, colour copied, alpha dropped without compositing (as PIL does).
    const grey = channels < 3;
    out[i * 3] = data[o];
    out[i * 3 + 1] = data[grey ? o : o + 1];
    out[i * 3 + 2] = data[grey ? o : o + 2];
  }
  return out;
}

/**
 * Converts decoded pixels the way `PIL.Image.convert(mode)` does. It happens before resizing,
 * as in timm and torchvision, because luma and alpha-dropping do not commute with resampling.
 */
export function toPilMode(image: DecodedImage, mode: PilMode): DecodedImage {
  const channels = mode === 'L' ? 1 : 3;
  if (image.channels === channels) return image;
  const data = mode === 'L' ? toGrey(image) : toColour(image);
  return { width: image.width, height: image.height, channels, data };
}
