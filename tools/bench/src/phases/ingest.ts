// Phase "ingest": simulator (unpaced replay of the first N posts' Jetstream JSON) → apps/ingest (its own process,
// a real redis-server with AOF) → Parquet. Rates and flush latency come from the service's /metrics; peak RSS from
// /proc. Beside it, DuckDB's own COPY of the same NDJSON to Parquet.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dateStartUs } from '@bsky-explorer/storage';
import type { BenchOptions } from '../args';
import { openDuck, sqlString } from '../duck';
import { freePort, startRedis } from '@bsky-explorer/testing';
import type { BenchPaths } from '../paths';
import { step, type Log } from '../progress';
import type { IngestResult } from '../result';
import { metricValue, startService, waitHttpOk, waitListening } from '../service';
import { syntheticDay } from '../sim-source';
import { BASE_DATE } from './data';

/** The first `posts` post creates (with the updates, deletes, identity and account events between them). */
async function writeReplayFile(
  o: BenchOptions,
  paths: BenchPaths,
  file: string,
): Promise<{ posts: number; postRows: number; lines: number }> {
  const out = createWriteStream(file);
  const write = (line: string) =>
    out.write(line + '\n') ? undefined : new Promise<void>((r) => out.once('drain', () => r()));
  let posts = 0;
  let postRows = 0;
  let lines = 0;
  const count = (line: string) => {
    const e = JSON.parse(line) as { kind: string; commit?: { collection: string; operation: string } };
    if (e.kind === 'commit' && e.commit?.collection === 'app.bsky.feed.post' && e.commit.operation !== 'delete') {
      postRows++;
      if (e.commit.operation === 'create') posts++;
    }
  };
  if (existsSync(paths.rawEvents)) {
    // Day 1's capture from the data phase: the same events the rest of the report is about.
    const rl = createInterface({ input: createReadStream(paths.rawEvents), crlfDelay: Infinity });
    for await (const line of rl) {
      count(line);
      lines++;
      await write(line);
      if (posts >= o.ingestPosts) break;
    }
    rl.close();
  } else {
    const startUs = dateStartUs(BASE_DATE);
    for (const { json } of syntheticDay({
      seed: o.seed,
      posts: o.ingestPosts,
      startUs,
      endUs: startUs + 86_400_000_000,
    })) {
      count(json);
      lines++;
      await write(json);
    }
  }
  await new Promise<void>((r) => out.end(r));
  return { posts, postRows, lines };
}

/**
 * Posts flushed per second between the samples where 10 % and 90 % of `total` were flushed (time ms, flushed):
 * the sustained rate, without the start-up and the drain at the end. Undefined with too few flushes between.
 */
export function sustainedRate(samples: readonly [number, number][], total: number): number | undefined {
  const at10 = samples.find(([, f]) => f >= 0.1 * total);
  const at90 = samples.find(([, f]) => f >= 0.9 * total);
  if (!at10 || !at90 || at90[0] <= at10[0]) return undefined;
  return ((at90[1] - at10[1]) * 1000) / (at90[0] - at10[0]);
}

/** DuckDB's own NDJSON → Parquet of the same post events, with the contract's columns extracted in SQL. */
async function duckdbCopy(paths: BenchPaths, ndjson: string, log: Log): Promise<IngestResult['duckdbCopy']> {
  const out = join(paths.ingest, 'duckdb-copy.parquet');
  const duck = await openDuck(paths.ingest, { threads: 2 });
  try {
    const s = step(log, 'ingest', 'DuckDB COPY (read_ndjson_objects → Parquet zstd) of the same NDJSON');
    const j = (p: string) => `json_extract_string(json, '${p}')`;
    await duck.run(`COPY (
      SELECT 'at://' || ${j('$.did')} || '/app.bsky.feed.post/' || ${j('$.commit.rkey')} AS uri, ${j('$.commit.cid')} AS cid,
        ${j('$.did')} AS did, ${j('$.commit.rkey')} AS rkey, ${j('$.commit.rev')} AS rev, coalesce(${j('$.commit.record.text')}, '') AS text,
        TRY_CAST(${j('$.commit.record.createdAt')} AS TIMESTAMP) AS created_at,
        make_timestamp(CAST(${j('$.time_us')} AS BIGINT)) AS indexed_at, CAST(${j('$.time_us')} AS BIGINT) AS time_us,
        ${j('$.commit.record.langs[*]')} AS langs,
        ${j('$.commit.record.reply.root.uri')} AS reply_root_uri, ${j('$.commit.record.reply.parent.uri')} AS reply_parent_uri,
        ${j('$.commit.record.embed."$type"')} AS embed_kind, ${j('$.commit.record.embed.record.uri')} AS quoted_uri,
        ${j('$.commit.record.embed.external.uri')} AS external_uri,
        ${j('$.commit.record.facets[*].features[*].did')} AS mentions, ${j('$.commit.record.facets[*].features[*].tag')} AS tags,
        ${j('$.commit.record.facets[*].features[*].uri')} AS links, ${j('$.commit.record.labels.values[*].val')} AS labels,
        ${j('$.commit.operation')} AS operation
      FROM read_ndjson_objects(${sqlString(ndjson)})
      WHERE ${j('$.kind')} = 'commit' AND ${j('$.commit.collection')} = 'app.bsky.feed.post' AND ${j('$.commit.operation')} IN ('create', 'update')
    ) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
    const [{ n }] = await duck.all<{ n: bigint | number }>(`SELECT count(*) AS n FROM read_parquet(${sqlString(out)})`);
    const rows = Number(n);
    const ms = s.done(rows, 'rows');
    return { rows, seconds: ms / 1000, rowsPerSecond: rows / (ms / 1000), bytes: (await stat(out)).size };
  } finally {
    duck.close();
  }
}

const FLUSH_MAX_ROWS = 30_000;

export async function runIngest(o: BenchOptions, paths: BenchPaths, log: Log): Promise<IngestResult> {
  await rm(paths.ingest, { recursive: true, force: true });
  await mkdir(paths.ingest, { recursive: true });
  const replay = join(paths.ingest, 'replay.ndjson');
  const prep = step(log, 'ingest', `preparing the replay of the first ${o.ingestPosts.toLocaleString('en-US')} posts`);
  const counts = await writeReplayFile(o, paths, replay);
  prep.done(counts.lines, 'events');

  // A real redis-server with the production durability settings (AOF everysec, noeviction).
  const redis = await startRedis();
  // The simulator in a process of its own, as Jetstream is a server of its own (not on the bench's event loop).
  const simPort = await freePort();
  const sim = startService('tools/jetstream-sim/src/cli.ts', {}, join(paths.logs, 'ingest-sim.log'), [
    '--replay',
    replay,
    '--rate',
    '0',
    '--port',
    String(simPort),
  ]);
  const subscribeUrl = `ws://127.0.0.1:${simPort}/subscribe`;
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  let service: ReturnType<typeof startService> | undefined;
  try {
    await waitListening(`http://127.0.0.1:${simPort}/`, sim);
    const s = step(log, 'ingest', `sim → ingest → Parquet, FLUSH_MAX_ROWS=${FLUSH_MAX_ROWS}`);
    service = startService(
      'apps/ingest/src/main.ts',
      {
        REDIS_URL: redis.url,
        JETSTREAM_URL: subscribeUrl,
        DATA_DIR: join(paths.ingest, 'data'),
        FLUSH_INTERVAL_MS: '2000',
        FLUSH_MAX_ROWS: String(FLUSH_MAX_ROWS),
        INGEST_PORT: String(port),
        COMPACTION_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
        // As apps/ingest/Dockerfile runs it (the young generation would otherwise grow to 128 MB, all resident).
        NODE_OPTIONS: '--max-semi-space-size=16',
      },
      join(paths.logs, 'ingest.log'),
    );
    await waitHttpOk(`http://127.0.0.1:${port}/healthz`, service);
    let t0: number | undefined;
    let allReceivedAt: number | undefined;
    let flushed = 0;
    const progress: [number, number][] = [];
    let text = '';
    const deadline = Date.now() + 30 * 60_000;
    let lastLog = performance.now();
    for (;;) {
      text = await (await fetch(metricsUrl)).text();
      const received = metricValue(text, 'ingest_events_received_total');
      if (t0 === undefined && received > 0) t0 = performance.now();
      if (allReceivedAt === undefined && received >= counts.lines) allReceivedAt = performance.now();
      flushed = metricValue(text, 'ingest_flush_rows_total', { table: 'posts' });
      progress.push([performance.now(), flushed]);
      if (flushed >= counts.postRows) break;
      if (service.child.exitCode !== null)
        throw new Error(`ingest exited with ${service.child.exitCode}; see ${service.logPath}`);
      if (Date.now() > deadline)
        throw new Error(`only ${flushed} of ${counts.postRows} post rows flushed after 30 min`);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(
          `[bench] ingest: … ${flushed.toLocaleString('en-US')} post rows flushed, ${received.toLocaleString('en-US')} events received`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - (t0 ?? 0)) / 1000;
    const flushes = metricValue(text, 'ingest_flush_duration_seconds_count');
    const flushSum = metricValue(text, 'ingest_flush_duration_seconds_sum');
    const peakRss = await service.peakRss();
    s.done(
      flushed,
      'post rows',
      `${flushes} flushes, mean ${((flushSum / flushes) * 1000).toFixed(0)} ms; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB`,
    );
    const result: Omit<IngestResult, 'duckdbCopy'> = {
      posts: flushed,
      seconds,
      postsPerSecond: flushed / seconds,
      sustainedPostsPerSecond: sustainedRate(progress, counts.postRows),
      receivedSeconds: ((allReceivedAt ?? performance.now()) - (t0 ?? 0)) / 1000,
      drainSeconds: (performance.now() - (allReceivedAt ?? performance.now())) / 1000,
      flushes,
      flushMeanMs: (flushSum / flushes) * 1000,
      flushMaxRows: FLUSH_MAX_ROWS,
      peakRssMb: peakRss / 2 ** 20,
      parquetBytes: metricValue(text, 'ingest_parquet_bytes_written_total', { table: 'posts' }),
      rawJsonBytes: metricValue(text, 'ingest_raw_bytes_flushed_total'),
    };
    await service.stop();
    service = undefined;
    return { ...result, duckdbCopy: await duckdbCopy(paths, replay, log) };
  } finally {
    await service?.stop();
    await sim.stop();
    await redis.stop();
  }
}
