/**
 * Milliseconds spent per phase of one store call (file listing, planning, postings lookup, key scan, read-back…),
 * summed when a phase runs several times. Handed in by a caller that wants the breakdown (the graph's
 * GRAPH_TIMINGS switch, the benchmark); absent, timing costs nothing.
 */
export type Timings = Record<string, number>;

/** Runs `fn`, adding its wall time to `timings[phase]` when timings are wanted. */
export async function timed<T>(timings: Timings | undefined, phase: string, fn: () => Promise<T>): Promise<T> {
  if (!timings) return fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[phase] = (timings[phase] ?? 0) + (performance.now() - start);
  }
}
