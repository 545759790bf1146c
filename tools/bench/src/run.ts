// The whole run, as a function (main.ts is a thin CLI around it; the smoke test calls it directly). Everything in
// the result is measured by this run: the query mix is computed once, here, and every system runs exactly it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDataFiles, postsWithDerivedColumns } from '@bsky-explorer/storage';
import type { BenchOptions } from './args';
import { openDuck, sqlString } from './duck';
import { connectionFields, NO_FEATURES } from './graphql-client';
import { gitState, machineInfo } from './machine';
import { measureSystem } from './measure';
import { writeOutputs } from './outputs';
import { benchPaths, type BenchPaths } from './paths';
import { openDuckdbNdjsonPeer } from './peers/duckdb-ndjson';
import { postgresAvailable, startPostgres } from './peers/postgres';
import { markerKey, readMarker, runData } from './phases/data';
import { runOurExport } from './phases/export';
import { startGraph, type GraphServer } from './phases/graph-server';
import { runIngest } from './phases/ingest';
import { runFreshness } from './phases/freshness';
import { runSearchWithTail } from './phases/search-with-tail';
import { runOurSearch, saveMix } from './phases/search';
import { runAnalyst } from './phases/analyst';
import { step, type Log } from './progress';
import { RESULT_FORMAT, type BenchResult } from './result';
import { computeMix, type RunMix } from './run-mix';
import { recordPhase } from './timeline';

const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Every Parquet byte a day costs on disk: posts, side files (by-author, by-uri), tombstones, accounts and identities. */
async function storageBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const table of ['posts', 'tombstones', 'accounts', 'identities']) {
    const entries = await readdir(join(dataDir, table), { recursive: true }).catch(() => [] as string[]);
    for (const name of entries) if (name.endsWith('.parquet')) total += (await stat(join(dataDir, table, name))).size;
  }
  return total;
}

/** Visible posts as CSV for the PostgreSQL COPY: the same rows our search reads (compacted files). */
async function exportPostsCsv(paths: BenchPaths, csv: string): Promise<void> {
  const duck = await openDuck(paths.out, { threads: 2 });
  try {
    const files = await listDataFiles(paths.dataDir, 'posts');
    await duck.run(`COPY (SELECT uri, did, text, time_us, indexed_at FROM ${postsWithDerivedColumns(`read_parquet([${files.map(sqlString).join(', ')}])`)})
      TO ${sqlString(csv)} (FORMAT csv, HEADER)`);
  } finally {
    duck.close();
  }
}

export async function runBench(
  o: BenchOptions,
  log: Log,
): Promise<{ result: BenchResult; jsonPath: string; reportPath?: string }> {
  const paths = benchPaths(o.out);
  await mkdir(paths.logs, { recursive: true });
  const result: BenchResult = {
    format: RESULT_FORMAT,
    runId: randomBytes(3).toString('hex'),
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: machineInfo(paths.out),
    git: gitState(),
    options: {
      profile: o.profile,
      days: o.days,
      postsPerDay: o.postsPerDay,
      phases: o.phases,
      peers: o.peers,
      runs: o.runs,
      peerRuns: o.peerRuns,
      seed: o.seed,
    },
    timeline: [],
    notes: [],
  };
  const phase = <T>(name: string, fn: () => Promise<T> | T) => recordPhase(result, name, fn);
  const has = (p: string) => (o.phases as string[]).includes(p);
  const total = step(
    log,
    'run',
    `${o.profile} profile, ${o.days} day(s) × ${o.postsPerDay.toLocaleString('en-US')} posts, phases ${o.phases.join(',')}, peers ${o.peers ? 'on' : 'off'}, run ${result.runId}`,
  );

  let rawJsonBytesPerPost: number | undefined;
  if (has('data')) {
    const d = await phase('data', () => runData(o, paths, log));
    result.data = d.result;
    rawJsonBytesPerPost = d.rawJsonBytesPerPost;
  } else {
    const m = await readMarker(paths);
    if (m && m.key !== markerKey(o))
      throw new Error(
        `the data in ${paths.dataDir} was generated as ${m.key}, not ${markerKey(o)}: pass its --days, --posts-per-day and --seed, or run the data phase`,
      );
    if (m) {
      // Facts about the data (counts, sizes) hold; its generation and compaction times belong to the run that made it.
      result.data = { ...m.result, reused: true };
      rawJsonBytesPerPost = m.rawJsonBytesPerPost;
    }
  }

  if (has('ingest')) {
    try {
      result.ingest = await phase('ingest', () => runIngest(o, paths, log));
    } catch (err) {
      result.notes.push(`ingest phase failed: ${errMsg(err)}`);
      log(`[bench] ingest: FAILED: ${errMsg(err)}`);
    }
  }

  if (has('storage')) {
    const files = await listDataFiles(paths.dataDir, 'posts');
    if (!files.length || rawJsonBytesPerPost === undefined || !result.data) {
      result.notes.push('storage phase skipped: no generated data (run the data phase)');
    } else {
      const data = result.data;
      await phase('storage', async () => {
        const bytes = await storageBytes(paths.dataDir);
        const postFileBytes = (await Promise.all(files.map((f) => stat(f)))).reduce((sum, st) => sum + st.size, 0);
        const bytesPerPost = bytes / data.postRowsStored;
        result.storage = {
          posts: data.postRowsStored,
          parquetBytes: bytes,
          bytesPerPost,
          rawJsonBytesPerPost,
          pctSmaller: 100 * (1 - bytesPerPost / rawJsonBytesPerPost),
          postFilesBytesPerPost: postFileBytes / data.postRowsStored,
        };
        log(
          `[bench] storage: ${bytesPerPost.toFixed(1)} B/post vs ${rawJsonBytesPerPost.toFixed(1)} B raw JSON → ${result.storage.pctSmaller.toFixed(1)} % smaller`,
        );
      });
    }
  }

  // One mix for the run, from the seed: ours and every peer run exactly these queries.
  let mix: RunMix | undefined;
  if (has('search')) {
    const s = step(log, 'search', `query mix from the generator (seed ${o.seed})`);
    mix = await phase('query mix', () => computeMix({ seed: o.seed, postsPerDay: o.postsPerDay, days: o.days }));
    s.done(undefined, undefined, `mix ${mix.id}: ${JSON.stringify(mix.terms)}`);
    result.mix = mix;
    await saveMix(paths, mix.queries);
  }

  let graph: GraphServer | undefined;
  try {
    if (has('search') || has('export')) {
      const s = step(log, 'search', 'starting the graph server');
      graph = await phase('graph server start', () => startGraph(paths.dataDir, paths.logs, o.exportRows));
      s.done();
    }
    if (mix && graph) {
      const endpoint = graph.endpoint;
      const features = await connectionFields(endpoint).catch(() => NO_FEATURES);
      const runMix = mix;
      const ours = await phase('search: ours', () => runOurSearch(endpoint, runMix.queries, o, log, features));
      result.search = { ours: { mixId: mix.id, ...ours }, peers: {} };
      const analyst = mix.analyst;
      if (analyst) result.analyst = await phase('analyst: ours', () => runAnalyst(endpoint, analyst, o.runs, log));
      else result.notes.push('analyst mix not run: the sample posts lack a value it needs');
      result.search.graphPeakRssMb = (await graph.service.peakRss()) / 2 ** 20;
    }
    if (has('export') && graph) {
      const endpoint = graph.endpoint;
      try {
        const ex = await phase('export: ours', () => runOurExport(endpoint, o.exportRows, log));
        result.export = { ...ex, peers: {} };
      } catch (err) {
        result.notes.push(`export failed: ${errMsg(err)}`);
        log(`[bench] export: FAILED: ${errMsg(err)}`);
      }
    }
  } finally {
    await graph?.stop();
  }

  if (o.peers && (has('search') || has('export'))) {
    await runPeers(o, paths, result, mix, log);
  }

  if (has('freshness')) {
    try {
      result.freshness = await phase('freshness', () => runFreshness(o, paths, log));
    } catch (err) {
      result.notes.push(`freshness phase failed: ${errMsg(err)}`);
      log(`[bench] freshness: FAILED: ${errMsg(err)}`);
    }
    // The same mix as the search phase, with a full tail beside the data.
    if (result.freshness && mix && has('search')) {
      const queries = mix.queries;
      try {
        result.freshness.searchWithTail = await phase('search with a full tail', () =>
          runSearchWithTail(o, paths, queries, log),
        );
      } catch (err) {
        result.freshness.searchWithTailFailed = errMsg(err);
        log(`[bench] search with tail: FAILED: ${errMsg(err)}`);
      }
    }
  }

  result.finishedAt = new Date().toISOString();
  total.done();
  return writeOutputs(o, result);
}

async function runPeers(
  o: BenchOptions,
  paths: BenchPaths,
  result: BenchResult,
  mix: RunMix | undefined,
  log: Log,
): Promise<void> {
  const phase = <T>(name: string, fn: () => Promise<T>) => recordPhase(result, name, fn);
  if (o.days > 1) result.notes.push('peers were given day 1 only (the raw NDJSON of day 1 / its posts), ours all days');
  // Peer 1: DuckDB over the raw NDJSON.
  try {
    const peer = await openDuckdbNdjsonPeer(paths.out, paths.rawEvents);
    try {
      if (mix && result.search) {
        const search = result.search;
        const s = step(log, 'peers', `DuckDB over raw NDJSON: ${mix.queries.length} queries`);
        const r = await phase('peers: DuckDB NDJSON search', () => measureSystem(peer, mix.queries, o.peerRuns, log));
        s.done(r.overall.n, 'warm queries');
        search.peers.duckdbNdjson = {
          mixId: mix.id,
          ...r,
          setup: { loadSeconds: 0, note: 'no load: every query scans the NDJSON with read_json; text ILIKE' },
        };
      }
      if (result.export) {
        const ex = result.export;
        const s = step(log, 'peers', `DuckDB over raw NDJSON: export ${o.exportRows} rows to CSV`);
        await phase('peers: DuckDB NDJSON export', () =>
          peer.exportCsv(o.exportRows, join(paths.out, 'peer-duckdb-export.csv')),
        );
        ex.peers.duckdbNdjson = { rows: o.exportRows, seconds: s.done(o.exportRows, 'rows') / 1000 };
        await rm(join(paths.out, 'peer-duckdb-export.csv'), { force: true });
      }
    } finally {
      peer.close();
    }
  } catch (err) {
    result.notes.push(`DuckDB NDJSON peer failed: ${errMsg(err)}`);
    log(`[bench] peers: DuckDB NDJSON FAILED: ${errMsg(err)}`);
  }
  // Peer 2: PostgreSQL 15 + pg_trgm.
  if (!(await postgresAvailable())) {
    result.notes.push(
      'PostgreSQL peer skipped: /usr/lib/postgresql/15/bin/initdb not found (apt-get install postgresql)',
    );
    return;
  }
  let pg;
  try {
    const started = await phase('peers: PostgreSQL start', () => startPostgres(paths.pg));
    pg = started;
    const csv = join(paths.pg, 'posts.csv');
    const load = await phase('peers: PostgreSQL load (CSV, COPY, indexes)', async () => {
      const s = step(log, 'peers', 'posts → CSV for PostgreSQL');
      await exportPostsCsv(paths, csv);
      s.done();
      return started.load(csv, log);
    });
    await rm(csv, { force: true });
    if (result.storage) result.storage.postgresBytesPerPost = load.bytes / load.rows;
    if (mix && result.search) {
      const search = result.search;
      const s2 = step(log, 'peers', `PostgreSQL: ${mix.queries.length} queries`);
      const r = await phase('peers: PostgreSQL search', () => measureSystem(started, mix.queries, o.peerRuns, log));
      s2.done(r.overall.n, 'warm queries');
      search.peers.postgres = {
        mixId: mix.id,
        ...r,
        setup: {
          loadSeconds: load.loadSeconds,
          indexSeconds: load.indexSeconds,
          bytes: load.bytes,
          note: 'fsync off for the load; lower(text) LIKE on a GIN gin_trgm_ops index',
        },
      };
      // Where PostgreSQL's time goes in its slowest query, kept beside the results.
      const slowest = [...r.queries].filter((q) => !q.error).sort((a, b) => b.warm.p95Ms - a.warm.p95Ms)[0];
      const spec = slowest && mix.queries.find((m) => m.name === slowest.name);
      if (spec) {
        const plan = await started.explain(spec);
        await writeFile(join(paths.out, `pg-explain-${spec.name}.txt`), plan);
        log(
          `[bench] peers: PostgreSQL slowest query ${spec.name}; EXPLAIN ANALYZE in ${join(paths.out, `pg-explain-${spec.name}.txt`)}`,
        );
      }
    }
    if (result.export) {
      const ex = result.export;
      const s3 = step(log, 'peers', `PostgreSQL: export ${o.exportRows} rows to CSV (server-side COPY)`);
      const out = join(paths.pg, 'export.csv');
      await phase('peers: PostgreSQL export', () => started.exportCsv(o.exportRows, out));
      ex.peers.postgres = { rows: o.exportRows, seconds: s3.done(o.exportRows, 'rows') / 1000 };
      await rm(out, { force: true });
    }
  } catch (err) {
    result.notes.push(`PostgreSQL peer failed: ${errMsg(err)}`);
    log(`[bench] peers: PostgreSQL FAILED: ${errMsg(err)}`);
  } finally {
    await pg?.stop();
  }
}
