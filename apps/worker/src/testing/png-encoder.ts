// A small PNG encoder for tests: every colour type, bit depth, row filter and Adam7, so the
// decoder can be checked on inputs whose pixels the test knows exactly. Not for production.
import { crc32, deflateSync } from 'node:zlib';

export type TestColorType = 0 | 2 | 3 | 4 | 6;

export interface TestPng {
  readonly width: number;
  readonly height: number;
  readonly colorType: TestColorType;
  readonly bitDepth: 1 | 2 | 4 | 8 | 16;
  /** Row-major samples, one per channel per pixel, in 0..2^bitDepth−1 (palette: indices). */
  readonly samples: readonly number[];
  /** RGB entries, written as PLTE (required for colour type 3, a hint for 2 and 6). */
  readonly palette?: readonly (readonly [number, number, number])[];
  readonly interlaced?: boolean;
  /** One filter type for every row, or 'cycle' for 0, 1, 2, 3, 4, 0, … row by row. */
  readonly filter?: 0 | 1 | 2 | 3 | 4 | 'cycle';
  /** Splits the zlib stream into IDAT chunks of at most this many bytes. */
  readonly idatSize?: number;
}

export const SAMPLES_PER_PIXEL: Record<TestColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
}

function packRow(samples: number[], depth: number): Uint8Array {
  const row = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((v, i) => {
    if (depth === 16) {
      row[i * 2] = v >> 8;
      row[i * 2 + 1] = v & 0xff;
    } else if (depth === 8) row[i] = v;
    else row[(i * depth) >> 3] |= v << (8 - depth - ((i * depth) & 7));
  });
  return row;
}

function predict(filter: number, left: number, up: number, upLeft: number): number {
  if (filter === 1) return left;
  if (filter === 2) return up;
  if (filter === 3) return (left + up) >> 1;
  if (filter === 4) {
    const p = left + up - upLeft;
    const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
    return a <= b && a <= c ? left : b <= c ? up : upLeft;
  }
  return 0;
}

function filterRow(row: Uint8Array, prior: Uint8Array | undefined, filter: number, bpp: number) {
  const out = new Uint8Array(row.length + 1);
  out[0] = filter;
  for (let i = 0; i < row.length; i++) {
    const left = i >= bpp ? row[i - bpp] : 0;
    const up = prior ? prior[i] : 0;
    const upLeft = prior && i >= bpp ? prior[i - bpp] : 0;
    out[i + 1] = (row[i] - predict(filter, left, up, upLeft)) & 0xff;
  }
  return out;
}

function pixelStream(png: TestPng): Buffer {
  const spp = SAMPLES_PER_PIXEL[png.colorType];
  const bpp = Math.max(1, (spp * png.bitDepth) >> 3);
  const passes = png.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const parts: Uint8Array[] = [];
  let rowCount = 0;
  for (const [x0, y0, dx, dy] of passes) {
    let prior: Uint8Array | undefined;
    for (let y = y0; y < png.height; y += dy) {
      const samples: number[] = [];
      for (let x = x0; x < png.width; x += dx)
        for (let s = 0; s < spp; s++) samples.push(png.samples[(y * png.width + x) * spp + s]);
      if (samples.length === 0) break;
      const row = packRow(samples, png.bitDepth);
      const filter = png.filter === 'cycle' ? rowCount++ % 5 : (png.filter ?? 0);
      parts.push(filterRow(row, prior, filter, bpp));
      prior = row;
    }
  }
  return Buffer.concat(parts);
}

/** Encodes `png` exactly as described (no palette optimisation, no colour conversion). */
export function encodeTestPng(png: TestPng): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(png.width, 0);
  header.writeUInt32BE(png.height, 4);
  header.set([png.bitDepth, png.colorType, 0, 0, png.interlaced ? 1 : 0], 8);
  const zlib = deflateSync(pixelStream(png));
  const size = png.idatSize ?? zlib.length;
  const idat: Buffer[] = [];
  for (let at = 0; at < zlib.length; at += size)
    idat.push(chunk('IDAT', zlib.subarray(at, at + size)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    ...(png.palette ? [chunk('PLTE', Uint8Array.from(png.palette.flat()))] : []),
    ...idat,
    chunk('IEND', new Uint8Array(0)),
  ]);
}
