import { crc32 } from 'node:zlib';
import { ImageDecodeError, MAX_IMAGE_PIXELS } from './decoded-image';

export type PngColorType = 0 | 2 | 3 | 4 | 6;

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: PngColorType;
  readonly interlaced: boolean;
}

/**
 * What the decoder needs from a PNG's chunks. Ancillary chunks (gamma, ICC, text) are skipped:
 * PIL's convert() ignores them too.
 */
export interface PngChunks {
  readonly header: PngHeader;
  /** Flat RGB triples, present for palette images. */
  readonly palette: Uint8Array | undefined;
  /** The zlib stream, all IDAT chunks joined. */
  readonly compressed: Uint8Array;
}

const SIGNATURE_LENGTH = 8;
/** Bit depths the PNG specification allows per colour type. */
const DEPTHS: Record<PngColorType, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

const fail = (what: string) => new ImageDecodeError(`corrupt PNG: ${what}`);

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

function isColorType(value: number): value is PngColorType {
  return value in DEPTHS;
}

function parseHeader(data: Uint8Array): PngHeader {
  if (data.length !== 13) throw fail(`IHDR holds ${data.length} bytes instead of 13`);
  const width = readU32(data, 0);
  const height = readU32(data, 4);
  const [bitDepth, colorType, compression, filter, interlace] = data.subarray(8);
  if (width === 0 || height === 0) throw fail(`image is ${width}×${height}`);
  if (width * height > MAX_IMAGE_PIXELS)
    throw new ImageDecodeError(
      `PNG is ${width}×${height}, more than ${MAX_IMAGE_PIXELS} pixels; refusing to decode it`,
    );
  if (!isColorType(colorType)) throw fail(`unknown colour type ${colorType}`);
  if (!DEPTHS[colorType].includes(bitDepth))
    throw fail(`bit depth ${bitDepth} is not allowed for colour type ${colorType}`);
  if (compression !== 0 || filter !== 0 || interlace > 1)
    throw fail(`unknown compression/filter/interlace method ${compression}/${filter}/${interlace}`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/** Critical chunks (upper-case first letter) must be intact; PIL refuses broken ones too. */
function checkCrc(bytes: Uint8Array, at: number, length: number, type: string): void {
  if (type.charCodeAt(0) & 0x20) return;
  const stored = readU32(bytes, at + 8 + length);
  if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== stored)
    throw fail(`${type} chunk fails its CRC check`);
}

/**
 * Walks the chunk list after the signature (which the caller has checked). A file that ends
 * inside a chunk is truncated; one that ends cleanly without IEND is accepted, as PIL does, as
 * long as the pixel data turns out to be complete.
 */
export function readPngChunks(bytes: Uint8Array): PngChunks {
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let at = SIGNATURE_LENGTH;
  while (at < bytes.length) {
    if (at + 12 > bytes.length)
      throw new ImageDecodeError(`truncated PNG: ends inside a chunk header at byte ${at}`);
    const length = readU32(bytes, at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length)
      throw new ImageDecodeError(
        `truncated PNG: chunk ${type} needs ${length} bytes, only ${bytes.length - at - 12} remain`,
      );
    checkCrc(bytes, at, length, type);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (header === undefined && type !== 'IHDR') throw fail(`first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') header ??= parseHeader(data);
    else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (header === undefined) throw new ImageDecodeError('truncated PNG: no IHDR chunk');
  if (idat.length === 0) throw new ImageDecodeError('truncated PNG: no IDAT (pixel data) chunk');
  if (header.colorType === 3 && palette === undefined) throw fail('palette image without PLTE');
  const compressed = idat.length === 1 ? idat[0] : Buffer.concat(idat);
  return { header, palette, compressed };
}
