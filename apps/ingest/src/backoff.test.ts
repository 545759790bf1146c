import { backoffDelay } from './backoff';
import { compareStreamIds, nextStreamId } from './stream-id';

describe('backoffDelay', () => {
  it('grows exponentially, stays within [ceiling/2, ceiling] and is capped', () => {
    const lo = (a: number) => backoffDelay(a, 100, 5000, () => 0);
    const hi = (a: number) => backoffDelay(a, 100, 5000, () => 1);
    expect([0, 1, 2, 3].map(hi)).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map(lo)).toEqual([50, 100, 200, 400]);
    expect(hi(20)).toBe(5000);
    expect(lo(1000)).toBe(2500);
  });
});

describe('stream ids', () => {
  it('compare numerically and step past an id', () => {
    expect(compareStreamIds('10-2', '9-10')).toBeGreaterThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-2')).toBe(0);
    expect(nextStreamId('1795813112443-99')).toBe('1795813112443-100');
  });
});
