// Runs the query mix against one system: per query one cold run, then warm runs, timed at the client.
import type { Log } from './progress';
import type { QuerySpec } from './query-mix';
import type { QueryResult, SearchSystemResult } from './result';
import { summarize, type LatencySummary } from './stats';

export interface SearchSystem<State = unknown> {
  label: string;
  /** Untimed preparation, e.g. walking to the cursor of the page to measure. */
  prepare(spec: QuerySpec): Promise<State>;
  /** One timed execution; resolves to the number of hits (edges, or totalCount). */
  run(spec: QuerySpec, state: State): Promise<number>;
}

const EMPTY: LatencySummary = { n: 0, minMs: NaN, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN };

/** Fewer warm runs for a query whose cold run is slow, so that a slow peer does not take hours. */
export function warmRunsFor(coldMs: number, runs: number): number {
  if (coldMs > 30_000) return 1;
  if (coldMs > 5_000) return Math.min(runs, 3);
  return runs;
}

export async function measureSystem<S>(
  system: SearchSystem<S>,
  specs: QuerySpec[],
  runs: number,
  log: Log,
): Promise<SearchSystemResult> {
  const queries: QueryResult[] = [];
  const all: number[] = [];
  for (const spec of specs) {
    try {
      const state = await system.prepare(spec);
      let t = performance.now();
      const hits = await system.run(spec, state);
      const coldMs = performance.now() - t;
      const samples: number[] = [];
      for (let i = warmRunsFor(coldMs, runs); i > 0; i--) {
        t = performance.now();
        await system.run(spec, state);
        samples.push(performance.now() - t);
      }
      all.push(...samples);
      const warm = summarize(samples);
      queries.push({
        name: spec.name,
        description: spec.description,
        coldMs: Math.round(coldMs * 10) / 10,
        warm,
        hits,
      });
      log(
        `[bench] search/${system.label}: ${spec.name.padEnd(10)} cold ${coldMs.toFixed(0)} ms, p50 ${warm.p50Ms} ms, p95 ${warm.p95Ms} ms (${samples.length} warm, ${hits} hits)`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      queries.push({
        name: spec.name,
        description: spec.description,
        coldMs: NaN,
        warm: EMPTY,
        hits: 0,
        error: message,
      });
      log(`[bench] search/${system.label}: ${spec.name} FAILED: ${message}`);
    }
  }
  return { queries, overall: all.length ? summarize(all) : EMPTY };
}
