// What runs beside the load (`--during`): nothing (at rest), a live ingest flushing into the data every few
// seconds, or a compaction of the newest day. Both write, so they work on a copy of DATA_DIR made of hard links
// (instant; the storage layer never rewrites a file in place: new files are renamed into place, replaced ones
// unlinked), removed at the end: the data set given stays as it was.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { metricValue, startService, waitHttpOk, type Service } from '@bsky-explorer/bench/src/service';
import { startJetstreamSim, type JetstreamSim } from '@bsky-explorer/jetstream-sim';
import { dateStartUs, writeFlushBatch } from '@bsky-explorer/storage';
import { freePort, postRow, startRedis, type RedisServer } from '@bsky-explorer/testing';

export type During = 'rest' | 'flushes' | 'compaction';
export const DURING: readonly During[] = ['rest', 'flushes', 'compaction'];

const ROOT = resolve(__dirname, '..', '..', '..');
/** The ingest's flushes during the levels: every few seconds, so that each 20-s level sees several. */
const FLUSH_INTERVAL_MS = 5000;
/** About 3x Bluesky's live rate (~300 posts/s), as in the soak. */
const EVENTS_PER_SECOND = 3000;

export interface Scenario {
  /** The DATA_DIR the graph serves. */
  dataDir: string;
  /** One line for the report: what ran beside the load, with what it did. */
  describe(): Promise<string>;
  stop(): Promise<void>;
}

export async function startScenario(during: During, dataDir: string, log: (line: string) => void): Promise<Scenario> {
  if (during === 'rest')
    return { dataDir, describe: async () => 'at rest: nothing beside the load', stop: async () => {} };
  const copy = await mkdtemp(join(resolve(dataDir, '..'), '.loadtest-data-'));
  await promisify(execFile)('cp', ['-al', `${dataDir}/.`, copy]);
  log(`${during}: serving a hard-linked copy of ${dataDir} at ${copy}`);
  try {
    const scenario = during === 'flushes' ? await withIngest(copy, log) : await withCompaction(copy, log);
    // Stopped once, however many callers ask (the end of the levels, the end of the run).
    let stopping: Promise<void> | undefined;
    return { ...scenario, stop: () => (stopping ??= scenario.stop()) };
  } catch (err) {
    await rm(copy, { recursive: true, force: true });
    throw err;
  }
}

async function withIngest(dataDir: string, log: (line: string) => void): Promise<Scenario> {
  let redis: RedisServer | undefined;
  let sim: JetstreamSim | undefined;
  let ingest: Service | undefined;
  const stop = async () => {
    await ingest?.stop();
    await sim?.stop();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    redis = await startRedis();
    sim = await startJetstreamSim({
      source: { kind: 'synthetic', seed: 57, rate: EVENTS_PER_SECOND, startTimeUs: Date.now() * 1000 },
      port: await freePort(),
      host: '127.0.0.1',
    });
    const port = await freePort();
    const logPath = join(tmpdir(), `loadtest-ingest-${basename(dataDir)}.log`);
    ingest = startService(
      'apps/ingest/src/main.ts',
      {
        REDIS_URL: redis.url,
        JETSTREAM_URL: sim.subscribeUrl,
        DATA_DIR: dataDir,
        FLUSH_INTERVAL_MS: String(FLUSH_INTERVAL_MS),
        INGEST_PORT: String(port),
        COMPACTION_INTERVAL_MS: '0',
        LOG_LEVEL: 'warn',
      },
      logPath,
    );
    await waitHttpOk(`http://127.0.0.1:${port}/healthz`, ingest);
    log(
      `flushes: ingest from the simulator at ${EVENTS_PER_SECOND} events/s, FLUSH_INTERVAL_MS=${FLUSH_INTERVAL_MS}, log ${logPath}`,
    );
    const flushes = async () =>
      metricValue(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
        'ingest_flush_duration_seconds_count',
      );
    const before = await flushes();
    return {
      dataDir,
      describe: async () =>
        `during flushes: a live ingest beside the load (simulator at ${EVENTS_PER_SECOND.toLocaleString('en-US')} events/s, ~3x the live rate, FLUSH_INTERVAL_MS=${FLUSH_INTERVAL_MS}): ${(await flushes()) - before} flushes into the data during the levels`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A compaction of the newest compacted day, made necessary by one late post flushed into it (as after midnight):
 * the whole day is read, rewritten and swapped in while the levels run (at 8.1M posts, ~3.5 minutes).
 */
async function withCompaction(dataDir: string, log: (line: string) => void): Promise<Scenario> {
  const days = (await readdir(join(dataDir, 'posts'))).filter((d) => d.startsWith('date=')).sort();
  const date = days.at(-1)?.slice('date='.length);
  if (!date) throw new Error(`${dataDir} holds no posts partition to compact`);
  const late = postRow(0, { rkey: 'loadtestlate', indexed_at: dateStartUs(date) + 1, time_us: dateStartUs(date) + 1 });
  await writeFlushBatch(dataDir, { firstId: '1-0', lastId: '1-0', rows: [{ table: 'posts', row: late }] });
  const started = Date.now();
  let finished: number | undefined;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'tools/soak/src/compact-day.ts'), dataDir, date],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  void exit.then(() => (finished = Date.now()));
  log(`compaction: compacting ${date} beside the load`);
  return {
    dataDir,
    describe: async () =>
      `during compaction: the ${date} day compacted again beside the load (a late post flushed into it), ` +
      (finished === undefined
        ? `still running when the last level ended (${Math.round((Date.now() - started) / 1000)} s in)`
        : `which ended ${Math.round((finished - started) / 1000)} s after the start, exit code ${await exit}`),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exit;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
