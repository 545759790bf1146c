// Phase "search": the run's query mix through the running GraphQL server, timed at the client, with the server's
// own phase timings when it sends them.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchOptions } from '../args';
import { NO_FEATURES, searchPage, type ServerFeatures } from '../graphql-client';
import { measureSystem, type SearchSystem } from '../measure';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import type { QuerySpec } from '../query-mix';
import type { SearchSystemResult } from '../result';

/** Ours, through HTTP: pages before the measured one are walked once, untimed, to get its cursor. */
export function graphSystem(
  endpoint: string,
  features: ServerFeatures = NO_FEATURES,
): SearchSystem<string | undefined> {
  return {
    label: 'ours',
    async prepare(spec) {
      let after: string | undefined;
      for (let p = 1; p < spec.page; p++) {
        const page = await searchPage(endpoint, spec, after, features);
        if (!page.hasNextPage || !page.endCursor) throw new Error(`only ${p} page(s) for ${spec.name}`);
        after = page.endCursor;
      }
      return after;
    },
    async run(spec, after) {
      const page = await searchPage(endpoint, spec, after, features);
      return {
        hits: spec.totalCount ? (page.totalCount ?? -1) : page.uris.length,
        serverTimings: page.timings,
        totalCountIsExact: spec.totalCount ? page.totalCountIsExact : undefined,
      };
    },
  };
}

export async function runOurSearch(
  endpoint: string,
  mix: QuerySpec[],
  o: BenchOptions,
  log: Log,
  features: ServerFeatures = NO_FEATURES,
): Promise<SearchSystemResult> {
  const s = step(log, 'search', `ours: ${mix.length} queries × (1 cold + ${o.runs} warm) through GraphQL`);
  const r = await measureSystem(graphSystem(endpoint, features), mix, o.runs, log);
  s.done(
    r.overall.n,
    'warm queries',
    `p50 ${r.overall.p50Ms} ms, p95 ${r.overall.p95Ms} ms, p99 ${r.overall.p99Ms} ms`,
  );
  return r;
}

/** The mix beside the data, for tools/bench/src/explain.ts (the run itself keeps it in memory and in its result). */
export async function saveMix(paths: BenchPaths, mix: QuerySpec[]): Promise<void> {
  await writeFile(join(paths.out, 'query-mix.json'), JSON.stringify(mix, null, 1));
}
