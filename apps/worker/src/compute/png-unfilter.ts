import { ImageDecodeError } from './decoded-image';

function paeth(left: number, up: number, upLeft: number): number {
  const base = left + up - upLeft;
  const toLeft = Math.abs(base - left);
  const toUp = Math.abs(base - up);
  const toUpLeft = Math.abs(base - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

/**
 * Undoes the PNG row filters of one (sub)image in place. `data[start]` is the first row's filter
 * byte; each row is one filter byte plus `rowBytes` bytes; `bpp` is the byte distance to the
 * corresponding byte of the pixel on the left (at least 1). Writes into a Uint8Array wrap modulo
 * 256, which is exactly the filters' arithmetic.
 */
export function unfilterRows(
  data: Uint8Array,
  start: number,
  rowBytes: number,
  rows: number,
  bpp: number,
): void {
  for (let r = 0; r < rows; r++) {
    const at = start + r * (rowBytes + 1);
    const row = at + 1;
    const prior = r === 0 ? -1 : row - (rowBytes + 1);
    const filter = data[at];
    if (filter === 0) continue;
    if (filter > 4) throw new ImageDecodeError(`corrupt PNG: unknown row filter ${filter}`);
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= bpp ? data[row + i - bpp] : 0;
      const up = prior >= 0 ? data[prior + i] : 0;
      if (filter === 1) data[row + i] += left;
      else if (filter === 2) data[row + i] += up;
      else if (filter === 3) data[row + i] += (left + up) >> 1;
      else data[row + i] += paeth(left, up, i >= bpp && prior >= 0 ? data[prior + i - bpp] : 0);
    }
  }
}
