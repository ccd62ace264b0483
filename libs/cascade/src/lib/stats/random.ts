/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) so bootstrap intervals are
 * reproducible bit for bit across machines and runs; Math.random cannot be seeded.
 *
 * The state is four 32-bit words kept as int32 (the same bits as the unsigned words). An earlier
 * closure over `>>> 0` numbers made V8 box a heap number for every word above 2³¹ on every draw.
 */
export function randomState(seed: number): Int32Array {
  let x = seed >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return Int32Array.of(splitmix(), splitmix(), splitmix(), splitmix());
}

/** Advances the state [a, b, c, d] one step; returns a uniform 32-bit unsigned integer. */
export function nextUint32(state: Int32Array): number {
  const b = state[1];
  const x = Math.imul(b, 5);
  const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
  const c = state[2] ^ state[0];
  const d = state[3] ^ b;
  state[0] ^= d;
  state[1] = b ^ c;
  state[2] = c ^ (b << 9);
  state[3] = (d << 11) | (d >>> 21);
  return result;
}

export function seededRandom(seed: number): () => number {
  const state = randomState(seed);
  /** A uniform 32-bit unsigned integer. */
  return () => nextUint32(state);
}

/** A uniform integer in [0, n) from a uniform 32-bit u: n·u/2³² (bias below n/2³²). */
export function scaleIndex(u: number, n: number): number {
  return Math.floor((u * n) / 4294967296);
}

/** A uniform integer in [0, n): n·u/2³² (bias below n/2³², negligible for sample counts). */
export function randomIndex(next: () => number, n: number): number {
  return scaleIndex(next(), n);
}

/**
 * `replicates` resamples of `categories` (n draws with replacement each, the indices that
 * `randomIndex(seededRandom(seed), n)` gives), each reduced to a histogram over
 * [0, numCategories). The loop runs replicates × n times (10⁷ for 200 replicates of 50,000
 * samples), so {@link nextUint32}'s step is written out here with the state in locals, which V8
 * keeps in registers: about 1.6× faster than calling it per draw, and a call across modules
 * (esbuild's CommonJS getters) is not inlined at all. random.spec.ts checks both give the same
 * draws.
 */
export function resampledHistograms(
  categories: Uint8Array,
  numCategories: number,
  replicates: number,
  seed: number,
): Int32Array[] {
  const n = categories.length;
  const state = randomState(seed);
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  const out: Int32Array[] = [];
  for (let r = 0; r < replicates; r++) {
    const counts = new Int32Array(numCategories);
    for (let i = 0; i < n; i++) {
      const x = Math.imul(b, 5);
      const u = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      counts[categories[scaleIndex(u, n)]]++;
    }
    out.push(counts);
  }
  return out;
}

/** Quantile with linear interpolation between order statistics (numpy's default, "type 7"). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}
