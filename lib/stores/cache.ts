/**
 * A small TTL cache for hot store lookups (the relay's store by pixel code, decrypted Events API
 * token and ingest key → store; the webhook intake's store and secrets by shop domain). A hit is
 * answered synchronously; concurrent misses for one key share a single load; a failed load is not
 * remembered. Misses (unknown keys) are cached for a shorter time, and the size is bounded so a
 * flood of made-up keys cannot grow memory.
 */
export interface TtlCacheOptions {
  ttlMs: number;
  /** For loads that resolved to null/undefined. Default min(ttlMs, 5 s). */
  negativeTtlMs?: number;
  max?: number;
  clock?: () => number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V | null; exp: number; loadedAt: number }>();
  private readonly pending = new Map<string, Promise<V | null>>();
  private readonly ttl: number;
  private readonly negativeTtl: number;
  private readonly max: number;
  private readonly clock: () => number;

  constructor(
    private readonly load: (key: string) => Promise<V | null | undefined>,
    opts: TtlCacheOptions,
  ) {
    this.ttl = opts.ttlMs;
    this.negativeTtl = opts.negativeTtlMs ?? Math.min(opts.ttlMs, 5_000);
    this.max = opts.max ?? 10_000;
    this.clock = opts.clock ?? Date.now;
  }

  get(key: string): V | null | Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit && hit.exp > this.clock()) return hit.value;
    let p = this.pending.get(key);
    if (!p) {
      p = this.load(key)
        .then((loaded) => {
          const value = loaded ?? null;
          if (this.ttl > 0) {
            this.entries.delete(key);
            const now = this.clock();
            this.entries.set(key, { value, exp: now + (value === null ? this.negativeTtl : this.ttl), loadedAt: now });
            if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
          }
          return value;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  /** Drops the entry if it was loaded at least `ms` ago, so the next get loads it afresh; true if dropped. */
  forgetIfOlderThan(key: string, ms: number): boolean {
    const hit = this.entries.get(key);
    if (!hit || this.clock() - hit.loadedAt < ms) return false;
    this.entries.delete(key);
    return true;
  }

  clear(): void {
    this.entries.clear();
  }
}
