// Minimal .npy (format 1.0) for 1-D little-endian arrays: enough to hand the synthetic records to
// numpy as raw bytes, and to read the very same files back on the TypeScript side so both sides
// prepare from identical inputs.
import { readFileSync, writeFileSync } from 'node:fs';

type NpyArray = Float32Array | Int32Array;

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // "\x93NUMPY" v1.0
const DESCR = { float32: '<f4', int32: '<i4' } as const;

function descrOf(array: NpyArray): string {
  return array instanceof Float32Array ? DESCR.float32 : DESCR.int32;
}

/** Writes `array` as a 1-D .npy file; the header is padded so the data starts 64-byte aligned. */
export function writeNpy(path: string, array: NpyArray): void {
  let header = `{'descr': '${descrOf(array)}', 'fortran_order': False, 'shape': (${array.length},), }`;
  const unpadded = MAGIC.length + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  const data = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  writeFileSync(path, Buffer.concat([MAGIC, length, Buffer.from(header, 'latin1'), data]));
}

/** Reads a file written by {@link writeNpy} (views its data, no copy when aligned). */
export function readNpy(path: string): NpyArray {
  const bytes = readFileSync(path);
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not .npy 1.0`);
  const headerLength = bytes.readUInt16LE(MAGIC.length);
  const start = MAGIC.length + 2 + headerLength;
  const header = bytes.toString('latin1', MAGIC.length + 2, start);
  const length = Number(/'shape': \((\d+),\)/.exec(header)?.[1]);
  const float = header.includes(DESCR.float32);
  if (!float && !header.includes(DESCR.int32)) throw new Error(`${path}: unexpected dtype`);
  // readFileSync may hand back a pooled Buffer at any offset; typed arrays need 4-byte alignment.
  const data =
    (bytes.byteOffset + start) % 4 === 0
      ? bytes.subarray(start)
      : new Uint8Array(bytes.subarray(start));
  return float
    ? new Float32Array(data.buffer, data.byteOffset, length)
    : new Int32Array(data.buffer, data.byteOffset, length);
}
