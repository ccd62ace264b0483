import { inflateSync } from 'node:zlib';
import { ImageDecodeError, type DecodedImage, type PixelChannels } from './decoded-image';
import { readPngChunks, type PngColorType, type PngHeader } from './png-chunks';
import { unfilterRows } from './png-unfilter';

/** One subimage of the pixel stream: the whole image, or one of Adam7's seven passes. */
interface Pass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  readonly width: number;
  readonly height: number;
  readonly rowBytes: number;
}

const SAMPLES_PER_PIXEL: Record<PngColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Palettes expand to RGB: alpha from tRNS would be dropped by convert('RGB'/'L') anyway. */
const OUTPUT_CHANNELS: Record<PngColorType, PixelChannels> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
/** Adam7 pass origins and steps: [x0, y0, dx, dy]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
/** Tolerated surplus after the pixel data (libpng and PIL ignore a little trailing data). */
const INFLATE_SLACK = 64 * 1024;

function passesOf(h: PngHeader): Pass[] {
  const bits = SAMPLES_PER_PIXEL[h.colorType] * h.bitDepth;
  const grid = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  return grid
    .map(([x0, y0, dx, dy]) => {
      const width = Math.max(0, Math.ceil((h.width - x0) / dx));
      const height = Math.max(0, Math.ceil((h.height - y0) / dy));
      return { x0, y0, dx, dy, width, height, rowBytes: Math.ceil((width * bits) / 8) };
    })
    .filter((pass) => pass.width > 0 && pass.height > 0); // empty passes have no filter bytes
}

function inflatePixels(compressed: Uint8Array, expected: number): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateSync(compressed, { maxOutputLength: expected + INFLATE_SLACK });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageDecodeError(`corrupt or truncated PNG pixel data: ${reason}`);
  }
  if (raw.length < expected)
    throw new ImageDecodeError(
      `truncated PNG: pixel data holds ${raw.length} bytes where the header needs ${expected}`,
    );
  return raw;
}

/** Reads sample `s` of pixel `x` in a row as an 8-bit value (palette images: the index). */
type SampleReader = (data: Uint8Array, row: number, x: number, s: number) => number;

function sampleReader(h: PngHeader): SampleReader {
  const spp = SAMPLES_PER_PIXEL[h.colorType];
  const depth = h.bitDepth;
  if (depth === 8) return (data, row, x, s) => data[row + x * spp + s];
  // 16-bit grey: PIL opens it as mode I and convert('L'/'RGB') clips to 0..255 rather than
  // scaling (checked with Pillow 9.4: 256 → 255, 1000 → 255). Records must match PIL, so clip too.
  if (depth === 16 && h.colorType === 0)
    return (data, row, x) => (data[row + x * 2] === 0 ? data[row + x * 2 + 1] : 255);
  // Other 16-bit images: keep the high byte, as PIL's RGB;16B/RGBA;16B/LA;16B unpackers do.
  if (depth === 16) return (data, row, x, s) => data[row + (x * spp + s) * 2];
  // Packed 1/2/4-bit samples (one per pixel); grey scales to 0..255 like PIL's L;1/L;2/L;4.
  const mask = (1 << depth) - 1;
  const scale = h.colorType === 3 ? 1 : 255 / mask;
  return (data, row, x) => {
    const bit = x * depth;
    return ((data[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask) * scale;
  };
}

function scatterPass(raw: Uint8Array, start: number, pass: Pass, ctx: ScatterContext): void {
  const { header, palette, out, channels, read } = ctx;
  const spp = SAMPLES_PER_PIXEL[header.colorType];
  for (let y = 0; y < pass.height; y++) {
    const row = start + y * (pass.rowBytes + 1) + 1;
    const outRow = (pass.y0 + y * pass.dy) * header.width;
    for (let x = 0; x < pass.width; x++) {
      const o = (outRow + pass.x0 + x * pass.dx) * channels;
      if (palette === undefined) {
        for (let s = 0; s < spp; s++) out[o + s] = read(raw, row, x, s);
        continue;
      }
      const entry = read(raw, row, x, 0) * 3;
      // An index past the palette's end reads as black (PIL pads palettes with zeros).
      for (let s = 0; s < 3; s++) out[o + s] = entry + s < palette.length ? palette[entry + s] : 0;
    }
  }
}

interface ScatterContext {
  readonly header: PngHeader;
  readonly palette: Uint8Array | undefined;
  readonly out: Uint8Array;
  readonly channels: PixelChannels;
  readonly read: SampleReader;
}

/** The common case (8-bit, no palette, not interlaced) is a plain row copy. */
function copyRows(raw: Uint8Array, pass: Pass, out: Uint8Array): void {
  for (let y = 0; y < pass.height; y++) {
    const row = y * (pass.rowBytes + 1) + 1;
    out.set(raw.subarray(row, row + pass.rowBytes), y * pass.rowBytes);
  }
}

/**
 * Decodes a PNG (any colour type and bit depth, interlaced or not) to 8-bit pixels with the
 * channels PIL would open it with: L, LA, RGB, RGBA, and palette images expanded to RGB.
 * Pure TypeScript on node:zlib, so the small-image path never waits for sharp's thread pool.
 */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const chunks = readPngChunks(bytes);
  const { header, compressed } = chunks;
  // Colour images may carry a PLTE as a quantisation hint; only colour type 3 indexes it.
  const palette = header.colorType === 3 ? chunks.palette : undefined;
  const passes = passesOf(header);
  const expected = passes.reduce((sum, p) => sum + p.height * (p.rowBytes + 1), 0);
  const raw = inflatePixels(compressed, expected);
  const channels = OUTPUT_CHANNELS[header.colorType];
  const out = new Uint8Array(header.width * header.height * channels);
  const bpp = Math.max(1, (SAMPLES_PER_PIXEL[header.colorType] * header.bitDepth) >> 3);
  const context = { header, palette, out, channels, read: sampleReader(header) };
  let start = 0;
  for (const pass of passes) {
    unfilterRows(raw, start, pass.rowBytes, pass.height, bpp);
    if (header.bitDepth === 8 && palette === undefined && !header.interlaced)
      copyRows(raw, pass, out);
    else scatterPass(raw, start, pass, context);
    start += pass.height * (pass.rowBytes + 1);
  }
  return { width: header.width, height: header.height, channels, data: out };
}
