import { planResize, type ResolvedPreprocess } from '@tinysaver/cascade';
import type { ImageExtension } from '@tinysaver/webdataset';
import type { DecodedImage } from './decoded-image';
import { sniffImageFormat, type ImageFormat } from './image-format';
import { readJpegHeader } from './jpeg-header';
import { toPilMode, type PilMode } from './pixel-mode';
import { decodePng } from './png-decode';
import { decodeJpegCropped, decodeWithSharp, resizeWithSharp } from './sharp-image';
import { checkSlot, writeNormalised } from './tensor-write';

export { ImageDecodeError } from './decoded-image';
export { configureImageDecoding, type ImageDecodingOptions } from './sharp-image';

/** PNGs decode in TypeScript (fast for small images); JPEG and WebP go to sharp (libvips). */
function decode(bytes: Uint8Array, format: ImageFormat): DecodedImage | Promise<DecodedImage> {
  return format === 'png' ? decodePng(bytes) : decodeWithSharp(bytes, format);
}

/** Decode, PIL convert, resize only when the size differs: the 28×28 path never calls sharp. */
async function viaPixels(
  bytes: Uint8Array,
  format: ImageFormat,
  mode: PilMode,
  p: ResolvedPreprocess,
) {
  const decoded = toPilMode(await decode(bytes, format), mode);
  const plan = planResize(decoded, p);
  const image = plan.resize
    ? await resizeWithSharp(decoded, plan.resize, p.interpolation)
    : decoded;
  return { image, crop: plan.crop };
}

/** A JPEG whose conversion commutes with resizing goes through one fused sharp pipeline. */
async function viaFusedJpeg(bytes: Uint8Array, mode: PilMode, p: ResolvedPreprocess) {
  const header = readJpegHeader(bytes);
  const fusable =
    header && (header.components === 1 || (header.components === 3 && mode === 'RGB'));
  if (!fusable) return undefined;
  const plan = planResize(header, p);
  const image = await decodeJpegCropped(bytes, plan, p.interpolation, {
    greySource: header.components === 1,
    channels: mode === 'L' ? 1 : 3,
  });
  return { image, crop: { ...plan.crop, left: 0, top: 0 } };
}

/**
 * Decodes one encoded image (PNG, JPEG or WebP, told by `extension` but verified by magic bytes)
 * and writes it as a normalised float32 tensor for preprocessing `p` at sample slot `index` of
 * `out` (out.length ≥ (index+1)·C·H·W; NCHW → [C,H,W] planes, NHWC → interleaved).
 *
 * Follows timm's evaluation transform as PyTorch runs it: PIL convert('RGB'/'L') first, resize
 * the shorter side to floor(H / cropPct), centre-crop H×W, ToTensor, Normalize — all in float32.
 * An image that already has the resize target's size is never resampled.
 *
 * @throws ImageDecodeError when the bytes are not a decodable image.
 */
export async function imageToTensor(
  bytes: Uint8Array,
  extension: ImageExtension,
  p: ResolvedPreprocess,
  out: Float32Array,
  index: number,
): Promise<void> {
  checkSlot(out, index, p);
  const format = sniffImageFormat(bytes, extension);
  const mode: PilMode = p.channels === 'L' ? 'L' : 'RGB';
  const fused = format === 'jpeg' ? await viaFusedJpeg(bytes, mode, p) : undefined;
  const { image, crop } = fused ?? (await viaPixels(bytes, format, mode, p));
  writeNormalised(image, crop, p, out, index);
}
