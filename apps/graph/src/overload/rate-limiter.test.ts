import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst, then one request per refill interval, per client', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 3 }, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1); // one token per second
    expect(limiter.take('b')).toBe(0); // another client has its own bucket
    now += 1000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    now += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([0, 0, 0, 1]); // never more than the burst
  });

  it('is off at 0 per minute, and keeps at most maxClients buckets', () => {
    expect(new RateLimiter({ perMinute: 0, burst: 1 }).take('a')).toBe(0);
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 1, burst: 1 }, 2, () => now);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('c')).toBe(0); // evicts a, the least recently seen
    expect(limiter.take('b')).toBe(60);
    now += 1;
    expect(limiter.take('a')).toBe(0); // forgotten: a fresh bucket
  });
});
