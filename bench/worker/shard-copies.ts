// Copies of one shard whose bytes differ but whose samples are the same, for the worker bench's
// steady-state runs. A record's key is the model's sha256 + the preprocessing + the shard's ETag
// (libs/storage farm-layout.ts), and s3rver's ETag is the MD5 of the bytes: identical copies
// under different keys would share one record key. Each copy changes only a timestamp the
// reader ignores, so every copy holds the same images, labels and sample keys, and downloads,
// parses and decodes exactly like the original.
//
//   .tar.gz — the gzip header's MTIME (bytes 4–7; the CRC covers the uncompressed data only);
//   .tar    — the first member header's mtime, with the header checksum recomputed.

const BLOCK = 512;

/** Sets the mtime of the tar member whose header starts at `offset`, fixing its checksum. */
function setTarMtime(tar: Buffer, offset: number, mtime: number): void {
  const header = tar.subarray(offset, offset + BLOCK);
  if (header.length < BLOCK || header.toString('latin1', 257, 262) !== 'ustar')
    throw new Error('not a ustar tar: cannot make distinct copies of it');
  // mtime: 12 bytes at 136, octal, NUL-terminated.
  header.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 12, 'latin1');
  // Checksum: the sum of the header's bytes with its own 8 bytes read as spaces.
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
}

/**
 * `count` copies of `shard` (a WebDataset `.tar` or `.tar.gz`), copy i stamped with time i + 1,
 * so none equals the original (whose writer pins time 0) or another copy.
 */
export function distinctShardCopies(shard: Buffer, count: number): Buffer[] {
  const gzipped = shard[0] === 0x1f && shard[1] === 0x8b;
  if (gzipped && (shard[3] & 0x02) !== 0)
    throw new Error('the gzip header has a CRC (FHCRC): cannot change its MTIME');
  return Array.from({ length: count }, (_, i) => {
    const copy = Buffer.from(shard);
    if (gzipped) copy.writeUInt32LE(i + 1, 4);
    else setTarMtime(copy, 0, i + 1);
    return copy;
  });
}
