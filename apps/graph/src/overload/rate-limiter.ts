export interface RateLimit {
  /** Tokens added per minute; 0 switches the limit off. */
  perMinute: number;
  /** Bucket size: requests allowed in a burst. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * A token bucket per client key. `take` returns 0 when the request may go on, else the seconds until a token is
 * back (for Retry-After). Idle full buckets are forgotten, and at most maxClients are kept (the least recently
 * seen go first), so memory stays bounded whatever the number of addresses.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly maxClients = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limit.perMinute > 0;
  }

  take(key: string, cost = 1): number {
    if (!this.enabled) return 0;
    const now = this.now();
    const perMs = this.limit.perMinute / 60_000;
    const old = this.buckets.get(key);
    const bucket = old
      ? { tokens: Math.min(this.limit.burst, old.tokens + (now - old.updatedMs) * perMs), updatedMs: now }
      : { tokens: this.limit.burst, updatedMs: now };
    this.buckets.delete(key); // re-inserted last: Map order is then least recently seen first
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - bucket.tokens) / perMs / 1000));
  }
}
