export interface JpegHeader {
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 3 = YCbCr/RGB, 4 = CMYK/YCCK. */
  readonly components: number;
}

/** Start-of-frame markers C0–CF, except DHT (C4), JPG (C8) and DAC (CC) which share the range. */
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
/** Markers without a length field: TEM and RST0–7. */
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * Reads a JPEG's size and component count from its frame header without decoding, so resize and
 * crop can be planned before the single sharp call. Returns undefined when the header cannot be
 * found or is unusual (the caller then decodes first and lets libvips judge the bytes).
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  let at = 2; // after SOI
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (isStartOfFrame(marker)) {
      if (at + 10 > bytes.length || length < 8) return undefined;
      const height = (bytes[at + 5] << 8) | bytes[at + 6];
      const width = (bytes[at + 7] << 8) | bytes[at + 8];
      const components = bytes[at + 9];
      // Height 0 means "defined later by a DNL marker": rare; let libvips read it.
      return width > 0 && height > 0 ? { width, height, components } : undefined;
    }
    at += 2 + length;
  }
  return undefined;
}
