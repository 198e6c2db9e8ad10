/**
 * Deterministic randomness for the shop simulator: mulberry32 streams seeded from a string hash.
 * Never Math.random. Each order (and each aspect of an order) draws from its own forked stream,
 * so changing one rate or one release changes only what depends on it, not every later order.
 */

/** mulberry32: 32-bit state, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts, then a murmur finalizer: a 32-bit seed from any labels. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u0000`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform real in [min, max). */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks by non-negative weights. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** Standard normal via Box–Muller, scaled. */
  normal(mean: number, sd: number): number;
  /** exp(normal(ln median, sigma)). */
  logNormal(median: number, sigma: number): number;
  /** Poisson count (normal approximation above 50). */
  poisson(lambda: number): number;
  alnum(length: number): string;
  hex(length: number): string;
  /** An independent stream named by `label`, derived from this stream's seed. */
  fork(label: string | number): Rng;
}

class SeededRng implements Rng {
  private readonly draw: () => number;

  constructor(private readonly seed: number) {
    this.draw = mulberry32(seed);
  }

  next(): number {
    return this.draw();
  }

  chance(p: number): boolean {
    return p > 0 && this.draw() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.draw() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.draw() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.draw() * items.length)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += Math.max(0, w);
    if (!(total > 0)) throw new RangeError('weighted pick needs a positive total weight');
    let u = this.draw() * total;
    for (const [item, w] of entries) {
      u -= Math.max(0, w);
      if (u < 0) return item;
    }
    return entries[entries.length - 1]![0];
  }

  normal(mean: number, sd: number): number {
    const u1 = Math.max(this.draw(), 1e-12);
    const u2 = this.draw();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  logNormal(median: number, sigma: number): number {
    return Math.exp(this.normal(Math.log(median), sigma));
  }

  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda > 50) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.draw();
    while (p > limit) {
      k++;
      p *= this.draw();
    }
    return k;
  }

  alnum(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += ALNUM[Math.floor(this.draw() * ALNUM.length)];
    return s;
  }

  hex(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += HEX[Math.floor(this.draw() * 16)];
    return s;
  }

  fork(label: string | number): Rng {
    return new SeededRng(hashSeed(this.seed, label));
  }
}

export function createRng(seed: number): Rng {
  return new SeededRng(seed);
}
