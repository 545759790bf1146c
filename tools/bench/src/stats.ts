// Latency statistics. Percentiles use the nearest-rank method: the smallest sample with at least q% of the
// samples at or below it, so p99 of 20 samples is the largest one (no interpolation that invents a value).

export interface LatencySummary {
  n: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export function percentile(samples: readonly number[], q: number): number {
  if (!samples.length) throw new RangeError('percentile of no samples');
  if (!(q > 0 && q <= 100)) throw new RangeError(`percentile q must be in (0, 100], got ${q}`);
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((q / 100) * sorted.length) - 1)];
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    n: sorted.length,
    minMs: round(sorted[0]),
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}
