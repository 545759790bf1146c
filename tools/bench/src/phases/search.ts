// Phase "search": the fixed mix through the running GraphQL server, then the same searches on the peers.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDataFiles } from '@bsky-explorer/storage';
import type { BenchOptions } from '../args';
import { openDuck, sqlString } from '../duck';
import { searchPage } from '../graphql-client';
import { measureSystem, type SearchSystem } from '../measure';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import { buildMix, pickTerms, type QuerySpec } from '../query-mix';
import type { SearchSystemResult } from '../result';
import { dayDate } from './data';

/** Picks the words, phrase and author of the mix from a deterministic sample of the stored posts. */
export async function chooseMix(o: BenchOptions, paths: BenchPaths): Promise<QuerySpec[]> {
  const duck = await openDuck(paths.out, { threads: 2 });
  try {
    const files = await listDataFiles(paths.dataDir, 'posts');
    if (!files.length) throw new Error(`no post files under ${paths.dataDir}: run the data phase first`);
    const accounts = await listDataFiles(paths.dataDir, 'accounts');
    // The author must be one whose posts are visible: not one whose latest account event deactivated it.
    const hidden = accounts.length
      ? `WHERE did NOT IN (SELECT did FROM read_parquet([${accounts.map(sqlString).join(', ')}])
           QUALIFY row_number() OVER (PARTITION BY did ORDER BY time_us DESC) = 1 AND NOT active)`
      : '';
    const sample = await duck.all<{ text: string; did: string }>(
      `SELECT text, did FROM (SELECT text, did FROM read_parquet([${files.map(sqlString).join(', ')}])
         USING SAMPLE reservoir(50000 ROWS) REPEATABLE (${o.seed})) ${hidden}`,
    );
    return buildMix({ ...pickTerms(sample), firstDate: dayDate(0), lastDate: dayDate(o.days - 1) });
  } finally {
    duck.close();
  }
}

/** Ours, through HTTP: pages before the measured one are walked once, untimed, to get its cursor. */
export function graphSystem(endpoint: string): SearchSystem<string | undefined> {
  return {
    label: 'ours',
    async prepare(spec) {
      let after: string | undefined;
      for (let p = 1; p < spec.page; p++) {
        const page = await searchPage(endpoint, spec, after);
        if (!page.hasNextPage || !page.endCursor) throw new Error(`only ${p} page(s) for ${spec.name}`);
        after = page.endCursor;
      }
      return after;
    },
    async run(spec, after) {
      const page = await searchPage(endpoint, spec, after);
      return spec.totalCount ? (page.totalCount ?? -1) : page.uris.length;
    },
  };
}

export async function runOurSearch(
  endpoint: string,
  mix: QuerySpec[],
  o: BenchOptions,
  log: Log,
): Promise<SearchSystemResult> {
  const s = step(log, 'search', `ours: ${mix.length} queries × (1 cold + ${o.runs} warm) through GraphQL`);
  const r = await measureSystem(graphSystem(endpoint), mix, o.runs, log);
  s.done(
    r.overall.n,
    'warm queries',
    `p50 ${r.overall.p50Ms} ms, p95 ${r.overall.p95Ms} ms, p99 ${r.overall.p99Ms} ms`,
  );
  return r;
}

export async function saveMix(paths: BenchPaths, mix: QuerySpec[]): Promise<void> {
  await writeFile(join(paths.out, 'query-mix.json'), JSON.stringify(mix, null, 1));
}
