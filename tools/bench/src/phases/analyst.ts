// The analyst mix (analyst-mix.ts) through the running GraphQL server, timed at the client like the search mix.
import type { AnalystSpec } from '../analyst-mix';
import { graphqlQuery } from '../graphql-client';
import { measureSystem, warmRunsFor, type SearchSystem } from '../measure';
import { step, type Log } from '../progress';
import type { SearchSystemResult } from '../result';

/** Hits of an answer: the page's edges, the volume's buckets, or the top-N's values. */
function hitsOf(data: Record<string, unknown>): number {
  const v = Object.values(data)[0] as { edges?: unknown[] } | unknown[] | undefined;
  if (Array.isArray(v)) return v.length;
  return v?.edges?.length ?? 0;
}

const analystSystem = (endpoint: string): SearchSystem<undefined, AnalystSpec> => ({
  label: 'ours',
  prepare: async () => undefined,
  async run(spec) {
    const { data, timings } = await graphqlQuery<Record<string, unknown>>(endpoint, spec.query, spec.variables);
    return { hits: hitsOf(data), serverTimings: timings };
  },
});

/**
 * A query whose cold run takes over this long has failed its target several times over (and would have failed
 * with QUERY_TIMEOUT under the graph's default of 10 s): 2 warm runs then, so that a month's full scans do not take
 * the run's hours. The report shows each query's number of warm runs.
 */
export const SLOW_COLD_MS = 10_000;
export const analystWarmRuns = (coldMs: number, runs: number): number =>
  coldMs > SLOW_COLD_MS ? Math.min(runs, 2) : warmRunsFor(coldMs, runs);

export async function runAnalyst(
  endpoint: string,
  specs: AnalystSpec[],
  runs: number,
  log: Log,
): Promise<SearchSystemResult> {
  const s = step(log, 'analyst', `ours: ${specs.length} aggregation and filter queries × (1 cold + ${runs} warm)`);
  const r = await measureSystem(analystSystem(endpoint), specs, runs, log, analystWarmRuns);
  s.done(r.overall.n, 'warm queries', `p50 ${r.overall.p50Ms} ms, p95 ${r.overall.p95Ms} ms`);
  return r;
}
