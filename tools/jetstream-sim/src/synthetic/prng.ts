// Deterministic randomness. Every value of the synthetic stream derives from (seed, index, salt) through a
// stateless hash, so any event can be rebuilt on its own (cursor seeks, references to earlier posts) and two runs
// with one seed are byte-identical. Integer-only arithmetic: identical on every platform.

// Globals bound once: under jest's vm context every global lookup (Math, JSON, Date) is ~100× slower.
const { floor, imul } = Math;

const TWO_32 = 4294967296;

/** A 32-bit finaliser (lowbias32): good avalanche, a handful of integer ops. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of (seed, index, salt) → uint32. `index` may exceed 2^32 (up to 2^53). */
export function hashIndex(seed: number, index: number, salt: number): number {
  const lo = index >>> 0;
  const hi = (index / TWO_32) >>> 0;
  let h = mix32(seed ^ imul(salt + 1, 0x9e3779b9));
  h = mix32(h ^ lo);
  h = mix32(h ^ imul(hi + 1, 0x85ebca6b));
  return h;
}

/** Uniform in [0, 1) from (seed, index, salt). */
export const unitAt = (seed: number, index: number, salt: number): number => hashIndex(seed, index, salt) / TWO_32;

/** A seed given as any number or string → uint32. */
export function normaliseSeed(seed: number | string | undefined): number {
  if (seed === undefined) return 1;
  if (typeof seed === 'number' && Number.isInteger(seed)) return seed >>> 0;
  const s = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: a tiny sequential PRNG for the content of one event. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uint32. */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / TWO_32;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return floor(this.next() * n);
  }

  /** Integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Cumulative weights for `pickWeighted`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i];
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Index into a cumulative table for u ∈ [0, 1). Tables are short: a linear scan beats a binary search. */
export function pickWeighted(cdf: Float64Array, u: number): number {
  for (let i = 0; i < cdf.length; i++) if (u < cdf[i]) return i;
  return cdf.length - 1;
}
