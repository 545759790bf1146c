// Runs the query mix against one system: per query one cold run, then warm runs, timed at the client.
import type { Log } from './progress';
import type { QuerySpec } from './query-mix';
import type { QueryResult, SearchSystemResult } from './result';
import { percentile, summarize, type LatencySummary } from './stats';

/** What one timed execution returns beside its hit count (ours through GraphQL; peers give the count only). */
export interface RunOutcome {
  hits: number;
  /** The server's own phase timings in ms (GraphQL extensions.timings), when it sent them. */
  serverTimings?: Record<string, number>;
  totalCountIsExact?: boolean;
}

/** What is measured: a query of the search mix, or any other query with a name (the analyst mix). */
export interface NamedQuery {
  name: string;
  description: string;
}

export interface SearchSystem<State = unknown, Q extends NamedQuery = QuerySpec> {
  label: string;
  /** Untimed preparation, e.g. walking to the cursor of the page to measure. */
  prepare(spec: Q): Promise<State>;
  /** One timed execution; resolves to the number of hits (edges, or totalCount), or a RunOutcome. */
  run(spec: Q, state: State): Promise<number | RunOutcome>;
}

const EMPTY: LatencySummary = { n: 0, minMs: NaN, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, maxMs: NaN, meanMs: NaN };

/** Fewer runs than asked are never below this: a p95 of 3 samples is only their maximum. */
export const MIN_WARM_RUNS = 10;

/** A query whose cold run is slow (a peer scanning raw JSON) gets MIN_WARM_RUNS instead of `runs`, not fewer. */
export function warmRunsFor(coldMs: number, runs: number): number {
  return coldMs > 5_000 ? Math.min(runs, MIN_WARM_RUNS) : runs;
}

/** Keys of extensions.timings that are a whole, not a phase: apps/graph sends `execute` (the GraphQL execution). */
const WHOLE_KEYS = ['execute', 'total'];

/** The server's own time: its `execute` (or `total`), else the sum of its phases. */
export const serverTotal = (t: Record<string, number>): number =>
  t.execute ?? t.total ?? Object.values(t).reduce((a, b) => a + b, 0);

/** Client time minus the server's time: HTTP, request parsing and validation, serialisation. */
export const OVERHEAD_PHASE = 'graphql + http';
/** `execute` minus the store phases inside it: resolvers and GraphQL execution around the store calls. */
export const RESOLVER_PHASE = 'graphql execute, outside the store';

/**
 * p50 per server phase over the runs that reported timings (a phase missing from a run took 0 ms in it), the
 * execution outside the store when the server sends `execute`, and the GraphQL + HTTP rest: client time minus the
 * server's time, per run.
 */
export function phaseBreakdown(
  runs: { clientMs: number; server?: Record<string, number> }[],
): { phases: Record<string, number>; serverMs: number } | undefined {
  const timed = runs.filter((r): r is { clientMs: number; server: Record<string, number> } => !!r.server);
  if (!timed.length) return undefined;
  const keys = [...new Set(timed.flatMap((r) => Object.keys(r.server)))].filter((k) => !WHOLE_KEYS.includes(k)).sort();
  const p50 = (xs: number[]) => Math.round(percentile(xs, 50) * 100) / 100;
  const phases: Record<string, number> = {};
  for (const k of keys) phases[k] = p50(timed.map((r) => r.server[k] ?? 0));
  if (timed.some((r) => r.server.execute !== undefined)) {
    const inStore = (t: Record<string, number>) => keys.reduce((sum, k) => sum + (t[k] ?? 0), 0);
    // Store calls of one request may overlap (a page and its count): the rest is then clamped at 0.
    phases[RESOLVER_PHASE] = p50(timed.map((r) => Math.max(0, (r.server.execute ?? 0) - inStore(r.server))));
  }
  phases[OVERHEAD_PHASE] = p50(timed.map((r) => Math.max(0, r.clientMs - serverTotal(r.server))));
  return { phases, serverMs: p50(timed.map((r) => serverTotal(r.server))) };
}

const outcome = (r: number | RunOutcome): RunOutcome => (typeof r === 'number' ? { hits: r } : r);

export async function measureSystem<S, Q extends NamedQuery = QuerySpec>(
  system: SearchSystem<S, Q>,
  specs: Q[],
  runs: number,
  log: Log,
  warmRuns: (coldMs: number, runs: number) => number = warmRunsFor,
): Promise<SearchSystemResult> {
  const queries: QueryResult[] = [];
  const all: number[] = [];
  for (const spec of specs) {
    try {
      const state = await system.prepare(spec);
      let t = performance.now();
      const { hits } = outcome(await system.run(spec, state));
      const coldMs = performance.now() - t;
      const samples: number[] = [];
      const timings: { clientMs: number; server?: Record<string, number> }[] = [];
      const exact: boolean[] = [];
      for (let i = warmRuns(coldMs, runs); i > 0; i--) {
        t = performance.now();
        const r = outcome(await system.run(spec, state));
        const clientMs = performance.now() - t;
        samples.push(clientMs);
        timings.push({ clientMs, server: r.serverTimings });
        if (r.totalCountIsExact !== undefined) exact.push(r.totalCountIsExact);
      }
      all.push(...samples);
      const warm = summarize(samples);
      const breakdown = phaseBreakdown(timings);
      queries.push({
        name: spec.name,
        description: spec.description,
        coldMs: Math.round(coldMs * 10) / 10,
        warm,
        hits,
        ...(exact.length ? { totalCountIsExact: exact.every(Boolean) } : {}),
        ...(breakdown ?? {}),
      });
      log(
        `[bench] search/${system.label}: ${spec.name.padEnd(10)} cold ${coldMs.toFixed(0)} ms, p50 ${warm.p50Ms} ms, p95 ${warm.p95Ms} ms (${samples.length} warm, ${hits} hits)` +
          (breakdown ? `; server p50 ${breakdown.serverMs} ms` : ''),
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
