// The whole run, as a function (main.ts is a thin CLI around it; the smoke test calls it directly).
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listDataFiles } from '@bsky-explorer/storage';
import { ALL_PHASES, type BenchOptions } from './args';
import { openDuck, sqlString } from './duck';
import { gitState, machineInfo } from './machine';
import { benchPaths, type BenchPaths } from './paths';
import { openDuckdbNdjsonPeer } from './peers/duckdb-ndjson';
import { postgresAvailable, startPostgres } from './peers/postgres';
import { measureSystem } from './measure';
import { step, type Log } from './progress';
import { readMarker, runData } from './phases/data';
import { runOurExport } from './phases/export';
import { startGraph, type GraphServer } from './phases/graph-server';
import { runIngest } from './phases/ingest';
import { chooseMix, runOurSearch, saveMix } from './phases/search';
import type { BenchResult } from './result';
import { renderReport } from './report';

const errMsg = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Every Parquet byte a day costs on disk: posts, side files (by-author, by-uri), tombstones and accounts. */
async function storageBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const table of ['posts', 'tombstones', 'accounts']) {
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
    await duck.run(`COPY (SELECT uri, did, text, time_us, indexed_at FROM read_parquet([${files.map(sqlString).join(', ')}]))
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
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: machineInfo(paths.out),
    git: gitState(),
    options: {
      days: o.days,
      postsPerDay: o.postsPerDay,
      phases: o.phases,
      peers: o.peers,
      runs: o.runs,
      peerRuns: o.peerRuns,
      seed: o.seed,
    },
    notes: [],
  };
  const has = (p: string) => (o.phases as string[]).includes(p);
  const total = step(
    log,
    'run',
    `${o.days} day(s) × ${o.postsPerDay.toLocaleString('en-US')} posts, phases ${o.phases.join(',')}, peers ${o.peers ? 'on' : 'off'}`,
  );

  let rawJsonBytesPerPost: number | undefined;
  if (has('data')) {
    const d = await runData(o, paths, log);
    result.data = d.result;
    rawJsonBytesPerPost = d.rawJsonBytesPerPost;
  } else {
    const m = await readMarker(paths);
    if (m) {
      result.data = { ...m.result, reused: true };
      rawJsonBytesPerPost = m.rawJsonBytesPerPost;
    }
  }

  if (has('ingest')) {
    try {
      result.ingest = await runIngest(o, paths, log);
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
      const bytes = await storageBytes(paths.dataDir);
      const postFileBytes = (await Promise.all(files.map((f) => stat(f)))).reduce((sum, st) => sum + st.size, 0);
      const bytesPerPost = bytes / result.data.postRowsStored;
      result.storage = {
        posts: result.data.postRowsStored,
        parquetBytes: bytes,
        bytesPerPost,
        rawJsonBytesPerPost,
        pctSmaller: 100 * (1 - bytesPerPost / rawJsonBytesPerPost),
        postFilesBytesPerPost: postFileBytes / result.data.postRowsStored,
      };
      log(
        `[bench] storage: ${bytesPerPost.toFixed(1)} B/post vs ${rawJsonBytesPerPost.toFixed(1)} B raw JSON → ${result.storage.pctSmaller.toFixed(1)} % smaller`,
      );
    }
  }

  let graph: GraphServer | undefined;
  try {
    if (has('search') || has('export')) {
      const s = step(log, 'search', 'starting the graph server');
      graph = await startGraph(paths.dataDir, paths.logs, o.exportRows);
      s.done();
    }
    let mix;
    if (has('search') && graph) {
      mix = await chooseMix(o, paths);
      await saveMix(paths, mix);
      const ours = await runOurSearch(graph.endpoint, mix, o, log);
      result.search = {
        ours,
        peers: {},
        mix: mix.map((m) => ({
          name: m.name,
          description: m.description,
          args: m.args,
          page: m.page,
          totalCount: m.totalCount,
        })),
      };
    }
    if (has('export') && graph) {
      try {
        result.export = { ...(await runOurExport(graph.endpoint, o.exportRows, log)), peers: {} };
      } catch (err) {
        result.notes.push(`export failed: ${errMsg(err)}`);
        log(`[bench] export: FAILED: ${errMsg(err)}`);
      }
    }
  } finally {
    await graph?.stop();
  }

  if (o.peers && (has('search') || has('export'))) {
    await runPeers(o, paths, result, log);
  }

  result.finishedAt = new Date().toISOString();
  total.done();
  return writeOutputs(o, result);
}

async function runPeers(o: BenchOptions, paths: BenchPaths, result: BenchResult, log: Log): Promise<void> {
  const mix = result.search
    ? (JSON.parse(await readFile(join(paths.out, 'query-mix.json'), 'utf8')) as Parameters<typeof measureSystem>[1])
    : undefined;
  if (o.days > 1) result.notes.push('peers were given day 1 only (the raw NDJSON of day 1 / its posts), ours all days');
  // Peer 1: DuckDB over the raw NDJSON.
  try {
    const peer = await openDuckdbNdjsonPeer(paths.out, paths.rawEvents);
    try {
      if (mix && result.search) {
        const s = step(log, 'peers', `DuckDB over raw NDJSON: ${mix.length} queries`);
        const r = await measureSystem(peer, mix, o.peerRuns, log);
        s.done(r.overall.n, 'warm queries');
        result.search.peers.duckdbNdjson = {
          ...r,
          setup: { loadSeconds: 0, note: 'no load: every query scans the NDJSON with read_json; text ILIKE' },
        };
      }
      if (result.export) {
        const s = step(log, 'peers', `DuckDB over raw NDJSON: export ${o.exportRows} rows to CSV`);
        await peer.exportCsv(o.exportRows, join(paths.out, 'peer-duckdb-export.csv'));
        result.export.peers.duckdbNdjson = { rows: o.exportRows, seconds: s.done(o.exportRows, 'rows') / 1000 };
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
    pg = await startPostgres(paths.pg);
    const csv = join(paths.pg, 'posts.csv');
    const s = step(log, 'peers', 'posts → CSV for PostgreSQL');
    await exportPostsCsv(paths, csv);
    s.done();
    const load = await pg.load(csv, log);
    await rm(csv, { force: true });
    if (result.storage) result.storage.postgresBytesPerPost = load.bytes / load.rows;
    if (mix && result.search) {
      const s2 = step(log, 'peers', `PostgreSQL: ${mix.length} queries`);
      const r = await measureSystem(pg, mix, o.peerRuns, log);
      s2.done(r.overall.n, 'warm queries');
      result.search.peers.postgres = {
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
      if (slowest) {
        const plan = await pg.explain(mix.find((m) => m.name === slowest.name) as (typeof mix)[number]);
        await writeFile(join(paths.out, `pg-explain-${slowest.name}.txt`), plan);
        log(
          `[bench] peers: PostgreSQL slowest query ${slowest.name}; EXPLAIN ANALYZE in ${join(paths.out, `pg-explain-${slowest.name}.txt`)}`,
        );
      }
    }
    if (result.export) {
      const s3 = step(log, 'peers', `PostgreSQL: export ${o.exportRows} rows to CSV (server-side COPY)`);
      const out = join(paths.pg, 'export.csv');
      await pg.exportCsv(o.exportRows, out);
      result.export.peers.postgres = { rows: o.exportRows, seconds: s3.done(o.exportRows, 'rows') / 1000 };
      await rm(out, { force: true });
    }
  } catch (err) {
    result.notes.push(`PostgreSQL peer failed: ${errMsg(err)}`);
    log(`[bench] peers: PostgreSQL FAILED: ${errMsg(err)}`);
  } finally {
    await pg?.stop();
  }
}

/**
 * A run of some phases on the same day and size updates those phases of the earlier result instead of replacing
 * it (e.g. `--phases ingest` again after an ingest change). Peers ride with the search and export phases.
 */
export function mergeRuns(previous: BenchResult, next: BenchResult): BenchResult {
  const merged: BenchResult = { ...previous, finishedAt: next.finishedAt, machine: next.machine, git: next.git };
  const phases = new Set([...previous.options.phases, ...next.options.phases]);
  merged.options = { ...next.options, phases: ALL_PHASES.filter((p) => phases.has(p)) };
  for (const p of next.options.phases) {
    if (p === 'data') merged.data = next.data ?? previous.data;
    else if (p === 'ingest') merged.ingest = next.ingest;
    else if (p === 'storage') {
      const pg = next.storage?.postgresBytesPerPost ?? previous.storage?.postgresBytesPerPost;
      merged.storage = next.storage ? { ...next.storage, postgresBytesPerPost: pg } : previous.storage;
    }
    // A rerun without peers keeps the peers' figures of the earlier run (same data, same queries).
    else if (p === 'search')
      merged.search = next.search && { ...next.search, peers: { ...previous.search?.peers, ...next.search.peers } };
    else if (p === 'export')
      merged.export = next.export && { ...next.export, peers: { ...previous.export?.peers, ...next.export.peers } };
  }
  merged.notes = [...new Set([...previous.notes, ...next.notes])];
  return merged;
}

async function writeOutputs(
  o: BenchOptions,
  result: BenchResult,
): Promise<{ result: BenchResult; jsonPath: string; reportPath?: string }> {
  if (!o.reportDir) {
    const jsonPath = join(benchPaths(o.out).out, 'result.json');
    await writeFile(jsonPath, JSON.stringify(result, null, 1) + '\n');
    return { result, jsonPath };
  }
  const dir = resolve(o.reportDir);
  const benchDir = join(dir, 'benchmarks');
  await mkdir(benchDir, { recursive: true });
  const jsonPath = join(benchDir, `${result.startedAt.slice(0, 10)}-${o.days}d.json`);
  const previous = await readFile(jsonPath, 'utf8').then(
    (t) => JSON.parse(t) as BenchResult,
    () => undefined,
  );
  await writeFile(jsonPath, JSON.stringify(previous ? mergeRuns(previous, result) : result, null, 1) + '\n');
  const results: BenchResult[] = [];
  for (const f of (await readdir(benchDir)).filter((n) => n.endsWith('.json')).sort()) {
    results.push(JSON.parse(await readFile(join(benchDir, f), 'utf8')) as BenchResult);
  }
  const analysis = await readFile(join(benchDir, 'ANALYSIS.md'), 'utf8').catch(() => '');
  const reportPath = join(dir, 'BENCHMARKS.md');
  await writeFile(reportPath, renderReport(results, analysis));
  return { result, jsonPath, reportPath };
}
