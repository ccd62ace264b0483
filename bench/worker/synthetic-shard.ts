// A seeded WebDataset shard of natural-looking colour JPEGs at ImageNet-typical sizes, for the
// worker bench: smooth sky/ground gradients, soft-edged shapes with shading, mild sensor noise,
// encoded by sharp (libvips' libjpeg-turbo, 4:2:0 chroma like most camera and ImageNet JPEGs).
// Pure noise would be unrepresentative: it compresses badly and decodes slower than photographs.
import sharp from 'sharp';
import { TarShardWriter } from '@tinysaver/webdataset';

export interface SyntheticShardOptions {
  readonly images: number;
  /** Sizes cycled through by sample index, [width, height]. */
  readonly sizes: readonly (readonly [number, number])[];
  readonly quality: number;
  readonly classes: number;
  readonly seed: number;
}

export interface SyntheticShard {
  /** An uncompressed `.tar` (WebDataset shards of JPEGs are rarely gzipped: it saves nothing). */
  readonly bytes: Buffer;
  readonly images: number;
  readonly jpegBytes: number;
  readonly sizes: Record<string, number>;
}

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rgb = [number, number, number];

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

interface Shape {
  kind: 'ellipse' | 'box';
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
  colour: Rgb;
  /** Light falls from this direction (unit vector): one side of the shape is darker. */
  light: [number, number];
  /** Edge width in pixels (anti-aliased, sometimes out of focus). */
  soft: number;
  /** How strongly the shared texture shows on the shape (fur, foliage, fabric). */
  texture: number;
}

/**
 * Value noise: a random grid every `cell` pixels, bilinearly interpolated, in [-1, 1]. Two
 * octaves of it give the mid- and high-frequency texture photographs have (grass, fur, gravel);
 * without it a JPEG of smooth gradients is a fifth of a photograph's size.
 */
function valueNoise(width: number, height: number, cell: number, random: () => number) {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => random() * 2 - 1);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const a = grid[y0 * gw + x0];
      const b = grid[y0 * gw + x0 + 1];
      const c = grid[(y0 + 1) * gw + x0];
      const d = grid[(y0 + 1) * gw + x0 + 1];
      out[y * width + x] = (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
    }
  }
  return out;
}

/** A table of roughly Gaussian values (sum of three uniforms), σ = 1, read at random offsets. */
const GAUSS = (() => {
  const random = rng(12345);
  return Float32Array.from({ length: 1 << 16 }, () => (random() + random() + random() - 1.5) * 2);
})();

/** Renders one RGB image (width × height × 3, interleaved). */
function renderImage(width: number, height: number, random: () => number): Uint8Array {
  const colour = (): Rgb => [random() * 255, random() * 255, random() * 255];
  const sky = colour();
  const ground = colour();
  const horizon = height * (0.35 + random() * 0.35);
  // Three slow waves, each sin(ax + by + p) split as sin(ax)cos(by + p) + cos(ax)sin(by + p).
  const waves = Array.from({ length: 3 }, () => {
    const a = ((random() * 4 + 0.5) / width) * 2 * Math.PI;
    const b = ((random() * 4 + 0.5) / height) * 2 * Math.PI;
    const p = random() * 2 * Math.PI;
    const amp = 6 + random() * 18;
    return {
      sx: Float32Array.from({ length: width }, (_, x) => amp * Math.sin(a * x)),
      cx: Float32Array.from({ length: width }, (_, x) => amp * Math.cos(a * x)),
      sy: Float32Array.from({ length: height }, (_, y) => Math.sin(b * y + p)),
      cy: Float32Array.from({ length: height }, (_, y) => Math.cos(b * y + p)),
    };
  });
  const fine = valueNoise(width, height, 2 + random() * 3, random);
  const coarse = valueNoise(width, height, 10 + random() * 20, random);
  const shapes: Shape[] = Array.from({ length: 3 + Math.floor(random() * 6) }, () => {
    const angle = random() * Math.PI;
    const r = Math.min(width, height) * (0.06 + random() * 0.3);
    const l = random() * Math.PI * 2;
    return {
      kind: random() < 0.6 ? 'ellipse' : 'box',
      cx: random() * width,
      cy: random() * height,
      rx: r,
      ry: r * (0.4 + random() * 0.9),
      cos: Math.cos(angle),
      sin: Math.sin(angle),
      colour: colour(),
      light: [Math.cos(l), Math.sin(l)],
      soft: 1 + random() * 4,
      texture: 10 + random() * 50,
    };
  });
  const groundTexture = 25 + random() * 45;
  const skyTexture = 4 + random() * 10;
  const out = new Uint8Array(width * height * 3);
  let n = Math.floor(random() * GAUSS.length);
  for (let y = 0; y < height; y++) {
    const g =
      y < horizon - 25 ? 0 : y > horizon + 25 ? 1 : smoothstep(horizon - 25, horizon + 25, y);
    const shade = 1 - (0.25 * y) / height;
    const baseR = (sky[0] * (1 - g) + ground[0] * g) * shade;
    const baseG = (sky[1] * (1 - g) + ground[1] * g) * shade;
    const baseB = (sky[2] * (1 - g) + ground[2] * g) * shade;
    const texture = skyTexture * (1 - g) + groundTexture * g;
    const rowShapes = shapes.filter((s) => Math.abs(y - s.cy) <= Math.max(s.rx, s.ry) + s.soft);
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let wave = 0;
      for (const w of waves) wave += w.sx[x] * w.cy[y] + w.cx[x] * w.sy[y];
      const tex = fine[p] * 0.6 + coarse[p] * 0.4;
      let r = baseR + wave + tex * texture;
      let gg = baseG + wave * 0.8 + tex * texture * 0.9;
      let b = baseB + wave * 0.6 + tex * texture * 0.7;
      for (const s of rowShapes) {
        const dx = x - s.cx;
        const dy = y - s.cy;
        const u = (dx * s.cos + dy * s.sin) / s.rx;
        const v = (-dx * s.sin + dy * s.cos) / s.ry;
        const d =
          s.kind === 'ellipse' ? Math.sqrt(u * u + v * v) : Math.max(Math.abs(u), Math.abs(v));
        const edge = s.soft / s.ry;
        if (d > 1 + edge) continue;
        const alpha = 1 - smoothstep(1 - edge, 1 + edge, d);
        const lit = 0.75 + 0.35 * (u * s.light[0] + v * s.light[1]) * Math.min(1, d);
        const t = tex * s.texture;
        r += (s.colour[0] * lit + t - r) * alpha;
        gg += (s.colour[1] * lit + t - gg) * alpha;
        b += (s.colour[2] * lit + t - b) * alpha;
      }
      // Mild sensor noise, σ ≈ 4 levels.
      const i = p * 3;
      out[i] = clamp(r + 4 * GAUSS[n++ & 0xffff]);
      out[i + 1] = clamp(gg + 4 * GAUSS[n++ & 0xffff]);
      out[i + 2] = clamp(b + 4 * GAUSS[n++ & 0xffff]);
    }
  }
  return out;
}

/** Makes the shard in memory (deterministic for a given seed and sharp/libjpeg version). */
export async function makeSyntheticJpegShard(
  options: SyntheticShardOptions,
): Promise<SyntheticShard> {
  const random = rng(options.seed);
  const writer = new TarShardWriter({ shard: 'synthetic-jpeg', gzip: false });
  const chunks: Buffer[] = [];
  writer.output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    writer.output.once('end', resolve);
    writer.output.once('error', reject);
  });
  let jpegBytes = 0;
  const sizes: Record<string, number> = {};
  for (let i = 0; i < options.images; i++) {
    const [width, height] = options.sizes[i % options.sizes.length];
    const pixels = renderImage(width, height, random);
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: options.quality })
      .toBuffer();
    jpegBytes += jpeg.length;
    sizes[`${width}x${height}`] = (sizes[`${width}x${height}`] ?? 0) + 1;
    const label = Math.floor(random() * options.classes);
    await writer.add({
      key: `sample-${String(i).padStart(6, '0')}`,
      files: new Map([
        ['jpg', new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.length)],
        ['cls', new TextEncoder().encode(`${label}\n`)],
      ]),
    });
  }
  writer.end();
  await ended;
  return { bytes: Buffer.concat(chunks), images: options.images, jpegBytes, sizes };
}
