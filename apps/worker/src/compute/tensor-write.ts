import type { ResolvedPreprocess, ResizePlan } from '@tinysaver/cascade';
import type { DecodedImage } from './decoded-image';

/**
 * Per tensor channel, the normalised float32 value of each byte, computed as torchvision's
 * ToTensor + Normalize do in float32: x = v/255, then (x − mean) / std, rounding every step.
 */
function normalisationTables(p: ResolvedPreprocess): Float32Array[] {
  return p.mean.map((m, c) => {
    const mean = Math.fround(m);
    const std = Math.fround(p.std[c]);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const x = Math.fround(v / 255);
      table[v] = Math.fround(Math.fround(x - mean) / std);
    }
    return table;
  });
}

/** Preprocessings are long-lived objects, so their tables are built once. */
const tableCache = new WeakMap<ResolvedPreprocess, Float32Array[]>();

function tablesFor(p: ResolvedPreprocess): Float32Array[] {
  let tables = tableCache.get(p);
  if (tables === undefined) {
    tables = normalisationTables(p);
    tableCache.set(p, tables);
  }
  return tables;
}

/** Throws unless `out` has room for sample `index` (a programming error, not bad data). */
export function checkSlot(out: Float32Array, index: number, p: ResolvedPreprocess): void {
  const [c, h, w] = p.inputSize;
  const size = c * h * w;
  if (!Number.isInteger(index) || index < 0 || (index + 1) * size > out.length)
    throw new RangeError(
      `sample slot ${index} does not fit a Float32Array of ${out.length} values (${size} per sample)`,
    );
}

/**
 * Writes the crop of `image` (already in the model's channel count, 1 or 3, RGB order) as sample
 * `index` of `out`: NCHW planes or NHWC interleaved, BGR swapping the colour channels.
 */
export function writeNormalised(
  image: DecodedImage,
  crop: ResizePlan['crop'],
  p: ResolvedPreprocess,
  out: Float32Array,
  index: number,
): void {
  const [c, h, w] = p.inputSize;
  if (image.channels !== c) throw new Error(`expected ${c}-channel pixels, got ${image.channels}`);
  if (crop.left + w > image.width || crop.top + h > image.height || crop.left < 0 || crop.top < 0)
    throw new Error(
      `crop ${JSON.stringify(crop)} exceeds the ${image.width}×${image.height} image`,
    );
  const tables = tablesFor(p);
  const data = image.data;
  // One pass over the crop's pixels, every channel of a pixel at once: this runs on the compute
  // thread between two session.run calls, so its time is lost to inference (it was a third of a
  // batch-1 mobilenet's overhead when written channel by channel).
  const nchw = p.layout === 'NCHW';
  const channelStep = nchw ? h * w : 1;
  const pixelStep = nchw ? 1 : c;
  const base = index * c * h * w;
  if (c === 1) {
    const table = tables[0];
    for (let y = 0; y < h; y++) {
      const src = (crop.top + y) * image.width + crop.left;
      const dst = base + y * w;
      for (let x = 0; x < w; x++) out[dst + x] = table[data[src + x]];
    }
    return;
  }
  const [r, g, b] = tables;
  const first = p.channels === 'BGR' ? 2 : 0;
  const last = 2 - first;
  for (let y = 0; y < h; y++) {
    let src = ((crop.top + y) * image.width + crop.left) * 3;
    let dst = base + y * w * pixelStep;
    for (let x = 0; x < w; x++, src += 3, dst += pixelStep) {
      out[dst] = r[data[src + first]];
      out[dst + channelStep] = g[data[src + 1]];
      out[dst + 2 * channelStep] = b[data[src + last]];
    }
  }
}
