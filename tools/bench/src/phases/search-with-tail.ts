// The run's query mix with a full 5-minute tail (issue #12: search p95 with the tail included): ingest at
// 2,000 posts/s into a hard-linked copy of the run's data (the storage layer never rewrites a file in place), the
// graph tailing the stream; once the tail holds ~4 minutes of posts, the mix is measured through GraphQL as in the
// search phase, before the first flush (at 5 minutes) empties the tail.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchOptions } from '../args';
import { NO_FEATURES, type ServerFeatures } from '../graphql-client';
import { measureSystem } from '../measure';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import type { QuerySpec } from '../query-mix';
import type { TailSearchResult } from '../result';
import { graphSystem } from './search';
import { startLivePipeline } from './live-pipeline';

/** 2,000 posts/s; measured once the tail holds 4 minutes of posts, a minute before the flush. */
const DEFAULTS = { postsPerSecond: 2000, fillRows: 2000 * 240, warmRuns: 5 };

export async function runSearchWithTail(
  o: BenchOptions,
  paths: BenchPaths,
  mix: QuerySpec[],
  log: Log,
  features: ServerFeatures = NO_FEATURES,
  { postsPerSecond, fillRows, warmRuns } = DEFAULTS,
): Promise<TailSearchResult> {
  const copy = await mkdtemp(join(paths.out, 'tail-search-'));
  await promisify(execFile)('cp', ['-al', `${paths.dataDir}/.`, copy]);
  const live = await startLivePipeline(postsPerSecond, copy, o.seed, paths.logs, 'tail-search');
  try {
    const fill = step(log, 'search with tail', `filling the tail to ${fillRows.toLocaleString('en-US')} rows`);
    const deadline = Date.now() + 290_000;
    while ((await live.tailRows()) < fillRows) {
      if (Date.now() > deadline) throw new Error(`the tail held ${await live.tailRows()} rows after 290 s`);
      if (live.ingest.child.exitCode !== null) throw new Error(`ingest exited; see ${live.ingest.logPath}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    fill.done();
    const tailRowsBefore = await live.tailRows();
    const s = step(log, 'search with tail', `ours: ${mix.length} queries × (1 cold + ${warmRuns} warm)`);
    const r = await measureSystem(graphSystem(live.graph.endpoint, features), mix, warmRuns, log);
    const tailRowsAfter = await live.tailRows();
    s.done(r.overall.n, 'warm queries', `p95 ${r.overall.p95Ms} ms with ${tailRowsAfter} tail rows`);
    if (tailRowsAfter < tailRowsBefore) throw new Error('a flush emptied the tail while the mix ran');
    return {
      postsPerSecond,
      warmRuns,
      tailRows: { before: tailRowsBefore, after: tailRowsAfter },
      graphPeakRssMb: (await live.graph.service.peakRss()) / 2 ** 20,
      queries: r.queries.map((q) => ({
        name: q.name,
        description: q.description,
        p50Ms: q.warm.p50Ms,
        p95Ms: q.warm.p95Ms,
      })),
      overall: { p50Ms: r.overall.p50Ms, p95Ms: r.overall.p95Ms },
    };
  } finally {
    await live.stop();
    await rm(copy, { recursive: true, force: true });
  }
}
