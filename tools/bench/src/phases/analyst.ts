// The analyst mix (analyst-mix.ts) through the running GraphQL server, timed at the client like the search mix.
import type { AnalystSpec } from '../analyst-mix';
import { graphqlQuery } from '../graphql-client';
import { measureSystem, type SearchSystem } from '../measure';
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

export async function runAnalyst(
  endpoint: string,
  specs: AnalystSpec[],
  runs: number,
  log: Log,
): Promise<SearchSystemResult> {
  const s = step(log, 'analyst', `ours: ${specs.length} aggregation and filter queries × (1 cold + ${runs} warm)`);
  const r = await measureSystem(analystSystem(endpoint), specs, runs, log);
  s.done(r.overall.n, 'warm queries', `p50 ${r.overall.p50Ms} ms, p95 ${r.overall.p95Ms} ms`);
  return r;
}
