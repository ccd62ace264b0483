import type { ImageExtension } from '@tinysaver/webdataset';
import { ImageDecodeError } from './decoded-image';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((byte, i) => bytes[at + i] === byte);
}

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');

function hexHead(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Tells the format from the magic bytes, not from the member's extension: PIL does the same, so a
 * `.jpg` that holds a PNG still decodes. Bytes that are none of the three are refused.
 */
export function sniffImageFormat(bytes: Uint8Array, extension: ImageExtension): ImageFormat {
  if (bytes.length === 0) throw new ImageDecodeError(`empty .${extension} image (0 bytes)`);
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  throw new ImageDecodeError(
    `not a PNG/JPEG/WebP image: the .${extension} member starts with ${hexHead(bytes)} (${bytes.length} bytes)`,
  );
}
