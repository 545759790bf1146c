// Phase "data": N days of synthetic posts written straight into the compacted storage layout. Day 1 comes from the
// simulator's generator (decoded into rows by @bsky-explorer/schema exactly as ingest does); its rows become one
// flush-named file per table via DuckDB COPY, further days are day 1 shifted by whole days in DuckDB, and every day
// is then compacted by libs/storage compactDay — so the files are the ones ingest + compaction produce.
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TABLES, toRows, type TableName } from '@bsky-explorer/schema';
import {
  compactClosedDays,
  compactDay,
  dateStartUs,
  duckdbType,
  flushFileName,
  listDataFiles,
  partitionDir,
} from '@bsky-explorer/storage';
import type { BenchOptions } from '../args';
import { openDuck, sqlString, type Duck } from '../duck';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import type { DataResult } from '../result';
import { syntheticDay } from '../sim-source';

export const BASE_DATE = '2025-03-03';
const DAY_US = 86_400_000_000;
const TABLE_NAMES: TableName[] = ['posts', 'tombstones', 'accounts', 'identities'];

export const dayDate = (k: number): string =>
  new Date(Date.parse(`${BASE_DATE}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);

/** Buffered line writer: synchronous big writes are the cheapest way to emit ~10 GB of NDJSON from one thread. */
class LineWriter {
  private fd: number;
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  lines = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  write(line: string): void {
    this.parts.push(line);
    this.size += line.length + 1;
    this.lines++;
    if (this.size > 1 << 22) this.drain();
  }
  private drain(): void {
    if (!this.parts.length) return;
    const buf = Buffer.from(this.parts.join('\n') + '\n', 'utf8');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.drain();
    closeSync(this.fd);
  }
}

interface GenCounts {
  events: number;
  posts: number;
  updates: number;
  deletes: number;
  accountEvents: number;
  postEventJsonBytes: number;
  postEventCount: number;
  firstUs: number;
  lastUs: number;
}

/** Day 1: generator → raw NDJSON (the Jetstream JSON) + one NDJSON of rows per table. */
export async function generateDay1(
  o: BenchOptions,
  paths: BenchPaths,
  log: Log,
): Promise<GenCounts & { seconds: number }> {
  await mkdir(paths.gen, { recursive: true });
  const s = step(
    log,
    'data',
    `generating day 1: ${o.postsPerDay.toLocaleString('en-US')} posts with the simulator's generator`,
  );
  const raw = new LineWriter(paths.rawEvents);
  const out = Object.fromEntries(TABLE_NAMES.map((t) => [t, new LineWriter(paths.rowsFile(t))])) as Record<
    TableName,
    LineWriter
  >;
  const c: GenCounts = {
    events: 0,
    posts: 0,
    updates: 0,
    deletes: 0,
    accountEvents: 0,
    postEventJsonBytes: 0,
    postEventCount: 0,
    firstUs: Infinity,
    lastUs: 0,
  };
  const startUs = dateStartUs(BASE_DATE);
  let lastReport = performance.now();
  for (const { event: ev, json: line } of syntheticDay({
    seed: o.seed,
    posts: o.postsPerDay,
    startUs,
    endUs: startUs + DAY_US,
  })) {
    raw.write(line);
    c.events++;
    if (ev.time_us < c.firstUs) c.firstUs = ev.time_us;
    if (ev.time_us > c.lastUs) c.lastUs = ev.time_us;
    const r = toRows(ev);
    if (!r.ok) continue;
    for (const { table, row } of r.rows) out[table].write(JSON.stringify(row));
    if (ev.kind === 'commit' && ev.commit.collection === 'app.bsky.feed.post') {
      const op = ev.commit.operation;
      if (op === 'delete') c.deletes++;
      else {
        if (op === 'update') c.updates++;
        else c.posts++;
        c.postEventJsonBytes += Buffer.byteLength(line) + 1;
        c.postEventCount++;
      }
    } else if (ev.kind === 'account') c.accountEvents++;
    if ((c.events & 0xffff) === 0 && performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      log(
        `[bench] data: … ${c.posts.toLocaleString('en-US')} posts, ${Math.round(c.events / (s.elapsed() / 1000)).toLocaleString('en-US')} events/s`,
      );
    }
  }
  raw.close();
  for (const w of Object.values(out)) w.close();
  const ms = s.done(
    c.events,
    'events',
    `${c.posts.toLocaleString('en-US')} posts, ${(raw.bytes / 2 ** 30).toFixed(2)} GiB raw JSON`,
  );
  const counts = { ...c, seconds: ms / 1000 };
  await writeFile(genMarkerPath(paths), JSON.stringify({ key: genKey(o), counts }));
  return counts;
}

type Day1 = GenCounts & { seconds: number };
const genKey = (o: BenchOptions) => `${o.postsPerDay}-${o.seed}-v1`;
const genMarkerPath = (paths: BenchPaths) => join(paths.gen, 'day1.json');

/**
 * Day 1's NDJSON from an earlier run (--reuse), so that a failure after generation does not cost the generation
 * again. Counts come from the marker, or, for files of a run that died before writing it, from the files.
 */
async function reuseDay1(o: BenchOptions, paths: BenchPaths, log: Log): Promise<Day1 | undefined> {
  const marker = await readFile(genMarkerPath(paths), 'utf8').then(
    (t) => JSON.parse(t) as { key: string; counts: Day1 },
    () => undefined,
  );
  if (marker?.key === genKey(o)) return marker.counts;
  const present = await Promise.all(
    [paths.rawEvents, ...TABLE_NAMES.map(paths.rowsFile)].map((f) =>
      stat(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (marker || !present.every(Boolean)) return undefined;
  const s = step(log, 'data', 'recounting day 1 from its NDJSON (no marker)');
  const duck = await openDuck(paths.out, { threads: 2 });
  try {
    const j = (p: string) => `json_extract_string(line, '${p}')`;
    const [r] = await duck.all<Record<string, number | bigint>>(`
      WITH l AS (SELECT line, strlen(line) + 1 AS bytes, ${j('$.kind')} AS kind, ${j('$.commit.collection')} AS coll, ${j('$.commit.operation')} AS op,
                        CAST(${j('$.time_us')} AS BIGINT) AS t
                 FROM read_csv(${sqlString(paths.rawEvents)}, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', header = false, max_line_size = 16777216))
      SELECT count(*) AS events, count(*) FILTER (op = 'create' AND coll = 'app.bsky.feed.post') AS posts,
             count(*) FILTER (op = 'update' AND coll = 'app.bsky.feed.post') AS updates,
             count(*) FILTER (op = 'delete' AND coll = 'app.bsky.feed.post') AS deletes,
             count(*) FILTER (kind = 'account') AS accounts,
             sum(bytes) FILTER (op IN ('create', 'update') AND coll = 'app.bsky.feed.post') AS post_bytes,
             count(*) FILTER (op IN ('create', 'update') AND coll = 'app.bsky.feed.post') AS post_events,
             min(t) AS first_us, max(t) AS last_us FROM l`);
    s.done(Number(r.events), 'events');
    const n = (k: string) => Number(r[k]);
    const counts: Day1 = {
      events: n('events'),
      posts: n('posts'),
      updates: n('updates'),
      deletes: n('deletes'),
      accountEvents: n('accounts'),
      postEventJsonBytes: n('post_bytes'),
      postEventCount: n('post_events'),
      firstUs: n('first_us'),
      lastUs: n('last_us'),
      seconds: NaN, // unknown: the run that generated the files did not finish
    };
    await writeFile(genMarkerPath(paths), JSON.stringify({ key: genKey(o), counts }));
    return counts;
  } finally {
    duck.close();
  }
}

/** SELECT list that turns rows NDJSON (timestamps as µs integers) into the contract's column types. */
function rowsSelect(table: TableName, file: string): string {
  const cols = TABLES[table];
  const struct = `{${cols.map((c) => `'${c.name}': '${c.type === 'timestamp_us' ? 'BIGINT' : duckdbType(c)}'`).join(', ')}}`;
  const exprs = cols.map((c) =>
    c.type === 'timestamp_us' ? `make_timestamp("${c.name}") AS "${c.name}"` : `"${c.name}"`,
  );
  return `SELECT ${exprs.join(', ')} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${struct}, maximum_object_size = 16777216)`;
}

/** SELECT list of day 1's file shifted by `k` days, with every post URI and rkey made unique to the day. */
function shiftedSelect(table: TableName, file: string, k: number): string {
  const suffix = `-${k}`;
  const exprs = TABLES[table].map((c) => {
    const n = `"${c.name}"`;
    if (c.type === 'timestamp_us') return `${n} + INTERVAL ${k} DAY AS ${n}`;
    if (c.name === 'time_us') return `${n} + ${k * DAY_US} AS ${n}`;
    if (c.name === 'rkey' || c.name === 'uri') return `${n} || '${suffix}' AS ${n}`;
    // References to posts: rewritten the same way, so a reply on day k points at day k's copy of its parent.
    if (['reply_root_uri', 'reply_parent_uri', 'quoted_uri'].includes(c.name)) {
      return `CASE WHEN ${n} LIKE 'at://%/app.bsky.feed.post/%' THEN ${n} || '${suffix}' ELSE ${n} END AS ${n}`;
    }
    return n;
  });
  return `SELECT ${exprs.join(', ')} FROM read_parquet(${sqlString(file)})`;
}

const flushName = (k: number) => {
  const ms = dateStartUs(dayDate(k)) / 1000;
  return flushFileName(`${ms}-0`, `${ms + 86_399_999}-0`);
};

async function writeFlushFile(
  duck: Duck,
  paths: BenchPaths,
  table: TableName,
  k: number,
  select: string,
): Promise<string> {
  const dir = partitionDir(paths.dataDir, table, dayDate(k));
  await mkdir(dir, { recursive: true });
  const path = join(dir, flushName(k));
  await duck.run(`COPY (${select}) TO ${sqlString(path + '.tmp')} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(path + '.tmp', path);
  return path;
}

export interface Marker {
  key: string;
  result: DataResult;
  rawJsonBytesPerPost: number;
}

export const markerKey = (o: Pick<BenchOptions, 'days' | 'postsPerDay' | 'seed'>) =>
  `${o.days}d-${o.postsPerDay}-${o.seed}-v1`;

export async function readMarker(paths: BenchPaths): Promise<Marker | undefined> {
  try {
    return JSON.parse(await readFile(paths.marker, 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

/**
 * Days already built by an interrupted run with the same options (--reuse): a month takes hours, so each day is
 * recorded as soon as it is compacted and a later run goes on from the next one.
 */
interface Progress {
  key: string;
  daysDone: number;
  deriveSeconds: number;
  compactSeconds: number;
}
const progressPath = (paths: BenchPaths) => join(paths.out, 'data-progress.json');

async function readProgress(paths: BenchPaths, key: string): Promise<Progress | undefined> {
  const p = await readFile(progressPath(paths), 'utf8').then(
    (t) => JSON.parse(t) as Progress,
    () => undefined,
  );
  return p?.key === key ? p : undefined;
}

/**
 * One compaction run over every day, as ingest's hourly run does in production: each day was compacted before the
 * later days existed, so this applies their tombstone files to it (late-tombstones.ts). Nothing to do: a listing.
 */
async function compactionPass(o: BenchOptions, paths: BenchPaths, log: Log): Promise<void> {
  const started = performance.now();
  await compactClosedDays(paths.dataDir, { graceMs: 0, memoryLimit: o.compactMemory });
  log(`[bench] data: compaction run over all days in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export async function runData(
  o: BenchOptions,
  paths: BenchPaths,
  log: Log,
): Promise<{ result: DataResult; rawJsonBytesPerPost: number }> {
  const key = markerKey(o);
  let progress: Progress | undefined;
  if (o.reuse) {
    const m = await readMarker(paths);
    if (m && m.key === key) {
      log(`[bench] data: reusing ${m.result.postRowsStored.toLocaleString('en-US')} posts in ${paths.dataDir}`);
      await compactionPass(o, paths, log);
      return { result: { ...m.result, reused: true }, rawJsonBytesPerPost: m.rawJsonBytesPerPost };
    }
    progress = await readProgress(paths, key);
    if (progress) log(`[bench] data: --reuse: ${progress.daysDone} of ${o.days} day(s) already built; going on`);
    else log('[bench] data: --reuse given but no matching data found; generating');
  }
  // Day 1's rows as Parquet outside the data folder: every day is written from them, one day at a time, so that
  // a month never holds more than one day of uncompacted files.
  const day1 = join(paths.out, 'day1-rows');
  if (!progress) {
    await rm(paths.dataDir, { recursive: true, force: true });
    await rm(day1, { recursive: true, force: true }); // another run's (other options)
    progress = { key, daysDone: 0, deriveSeconds: 0, compactSeconds: 0 };
  }
  await mkdir(paths.dataDir, { recursive: true });
  const reused = o.reuse ? await reuseDay1(o, paths, log) : undefined;
  if (reused) log(`[bench] data: reusing day 1's NDJSON in ${paths.gen}`);
  const gen = reused ?? (await generateDay1(o, paths, log));

  const duck = await openDuck(paths.out, { threads: 2, memoryLimit: '4GB' });
  try {
    await mkdir(day1, { recursive: true });
    const day1File = (t: TableName) => join(day1, `${t}.parquet`);
    const staged = await Promise.all(
      TABLE_NAMES.map((t) =>
        stat(day1File(t)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (progress.daysDone < o.days && !staged.every(Boolean)) {
      const s1 = step(log, 'data', 'day 1 rows → Parquet (DuckDB COPY)');
      for (const t of TABLE_NAMES) {
        await duck.run(
          `COPY (${rowsSelect(t, paths.rowsFile(t))}) TO ${sqlString(day1File(t) + '.tmp')} (FORMAT parquet, COMPRESSION zstd)`,
        );
        await rename(day1File(t) + '.tmp', day1File(t));
      }
      s1.done(gen.posts + gen.updates, 'post rows');
    }

    const s2 = step(log, 'data', `building ${o.days - progress.daysDone} day(s): flush-named files, then compactDay`);
    for (let k = progress.daysDone; k < o.days; k++) {
      const date = dayDate(k);
      // What an interrupted build of this day left is rebuilt from scratch.
      for (const t of TABLE_NAMES) await rm(partitionDir(paths.dataDir, t, date), { recursive: true, force: true });
      const t0 = performance.now();
      for (const t of TABLE_NAMES) {
        const select =
          k === 0 ? `SELECT * FROM read_parquet(${sqlString(day1File(t))})` : shiftedSelect(t, day1File(t), k);
        await writeFlushFile(duck, paths, t, k, select);
      }
      const t1 = performance.now();
      const d = await compactDay(paths.dataDir, date, { graceMs: 0, memoryLimit: o.compactMemory });
      // A second pass only sweeps: with no grace the replaced flush files go, as they would after the grace period.
      await compactDay(paths.dataDir, date, { graceMs: 0, memoryLimit: o.compactMemory });
      if (k > 0) progress.deriveSeconds += (t1 - t0) / 1000;
      progress.compactSeconds += (performance.now() - t1) / 1000;
      progress.daysDone = k + 1;
      await writeFile(progressPath(paths), JSON.stringify(progress));
      log(
        `[bench] data: day ${k + 1}/${o.days} (${date}): ${d.rowsIn.toLocaleString('en-US')} rows in → ${d.rowsOut.toLocaleString('en-US')} out, compacted in ${(d.durationMs / 1000).toFixed(1)} s`,
      );
    }
    s2.done(o.days * (gen.posts + gen.updates), 'post rows');
    await compactionPass(o, paths, log);
    const { deriveSeconds, compactSeconds } = progress;

    const files = await listDataFiles(paths.dataDir, 'posts');
    const [{ n }] = await duck.all<{ n: number | bigint }>(
      `SELECT count(*) AS n FROM read_parquet(${`[${files.map(sqlString).join(', ')}]`})`,
    );
    let bytes = 0;
    for (const f of files) bytes += (await stat(f)).size;
    const result: DataResult = {
      days: o.days,
      postsPerDay: o.postsPerDay,
      events: gen.events,
      posts: gen.posts,
      updates: gen.updates,
      deletes: gen.deletes,
      accountEvents: gen.accountEvents,
      generateSeconds: gen.seconds,
      eventsPerSecond: gen.events / gen.seconds,
      derivedDays: o.days - 1,
      deriveSeconds,
      compactSeconds,
      postRowsStored: Number(n),
      postBytesStored: bytes,
      files: files.length,
      reused: false,
    };
    const rawJsonBytesPerPost = gen.postEventJsonBytes / gen.postEventCount;
    await writeFile(paths.marker, JSON.stringify({ key, result, rawJsonBytesPerPost } satisfies Marker, null, 1));
    await rm(day1, { recursive: true, force: true });
    return { result, rawJsonBytesPerPost };
  } finally {
    duck.close();
  }
}
