import { Transform, type TransformCallback } from 'node:stream';

/** Gzip level the farm writes with: zlib's default, a good trade on already-compressed images. */
export const DEFAULT_GZIP_LEVEL = 6;

/**
 * The gzip header we always emit: no FNAME/FCOMMENT (FLG 0), MTIME 0, XFL 0, OS 255 ("unknown").
 * Node's zlib already writes no name and MTIME 0, but XFL follows the level and OS follows the
 * platform zlib was built for; pinning bytes 4..9 makes the header independent of both, so the
 * same tar bytes give the same `.tar.gz` bytes for a given zlib deflate implementation.
 */
export const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff);

/** Rewrites bytes 4..9 of the stream (MTIME, XFL, OS) to {@link GZIP_HEADER}'s values. */
class GzipHeaderPin extends Transform {
  private seen = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let out = chunk;
    if (this.seen < GZIP_HEADER.length) {
      out = Buffer.from(chunk);
      for (
        let i = Math.max(4, this.seen);
        i < GZIP_HEADER.length && i - this.seen < out.length;
        i++
      ) {
        out[i - this.seen] = GZIP_HEADER[i];
      }
    }
    this.seen += chunk.length;
    callback(null, out);
  }
}

/** A Transform to put right behind `zlib.createGzip()`: pins the header, passes the rest through. */
export function pinGzipHeader(): Transform {
  return new GzipHeaderPin();
}
