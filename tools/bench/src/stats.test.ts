import { percentile, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  it('picks real samples, never interpolated values', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(percentile(xs, 50)).toBe(3);
    expect(percentile(xs, 95)).toBe(5);
    expect(percentile(xs, 20)).toBe(1);
    expect(percentile(xs, 21)).toBe(2);
    expect(percentile([7], 99)).toBe(7);
  });

  it('gives p95 of 20 samples as the 19th and p99 as the largest', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(xs, 95)).toBe(19);
    expect(percentile(xs, 99)).toBe(20);
    expect(percentile(xs, 50)).toBe(10);
  });

  it('rejects no samples and q outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes without reordering the input', () => {
    const xs = [30, 10, 20, 40];
    const s = summarize(xs);
    expect(s).toEqual({ n: 4, minMs: 10, p50Ms: 20, p95Ms: 40, p99Ms: 40, maxMs: 40, meanMs: 25 });
    expect(xs).toEqual([30, 10, 20, 40]);
  });
});
