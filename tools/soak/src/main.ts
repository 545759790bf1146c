// `npm run soak -- --hours N [--multiple 3] [--dir /work/soak-…]`: continuous ingestion with faults on a schedule
// and the load test beside it, then an exact account (sent, stored, dead-lettered, lost, duplicated) and SOAK.md
// with RSS, ingest lag and search p95 over time. `--report-only DIR` re-renders the report of a finished run.
import { statfs, mkdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startJetstreamSim, type JetstreamSim } from '@bsky-explorer/jetstream-sim';
import { buildMix, runLevel, sampleData, startGraph, type GraphProcess } from '@bsky-explorer/loadtest';
import { freePort, waitFor } from '@bsky-explorer/testing';
import { account, isClean } from './account';
import { writeExpected, type FaultSwitches } from './expected';
import { parseMetrics, type FaultRecord, type LoadWindow, type Sample } from './metrics';
import { IngestProcess, RedisProcess, ROOT, runCompaction, treeRss } from './processes';
import { renderReport, type SoakRun } from './report';
import { faultSchedule, inQuietWindow, parseQuietWindows, type FaultKind } from './schedule';

/** Live Bluesky: ~300 posts/s; posts are ~29 % of the synthetic firehose's events. */
const LIVE_POSTS_PER_S = 300;
const POST_SHARE = 0.29;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`${new Date().toISOString()} soak: ${line}`);

/** The commit the code is from: SOAK_COMMIT for an exported tree (no .git), else git's HEAD. */
function codeVersion(): string {
  if (process.env.SOAK_COMMIT) return process.env.SOAK_COMMIT;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      hours: { type: 'string', default: '1' },
      multiple: { type: 'string', default: '3' },
      dir: { type: 'string' },
      'disk-mb': { type: 'string', default: '3072' },
      clients: { type: 'string', default: '2' },
      'load-rate': { type: 'string', default: '3' },
      quiet: { type: 'string' },
      seed: { type: 'string', default: '49' },
      'report-only': { type: 'string' },
      out: { type: 'string', default: join(ROOT, 'SOAK.md') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values['report-only']) {
    const dir = resolve(values['report-only']);
    await renderReport(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as SoakRun, dir, values.out);
    return 0;
  }
  const hours = Number(values.hours);
  const multiple = Number(values.multiple);
  if (values.help || !(hours > 0) || !(multiple > 0)) {
    console.error(
      'usage: npm run soak -- --hours N [--multiple 3] [--dir /work/soak-NAME] [--disk-mb 3072] [--clients 2] [--load-rate 3] [--quiet HH:MM-HH:MM] [--out SOAK.md] | --report-only DIR',
    );
    return 2;
  }
  const durationMs = Math.round(hours * 3_600_000);
  const started = new Date();
  const dir = resolve(values.dir ?? `/work/soak-${started.toISOString().slice(0, 16).replace(/[-:]/g, '')}`);
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  // "Disk nearly full" needs a small disk: a tmpfs of --disk-mb as DATA_DIR (Parquet and the Redis AOF share it, as
  // in production), filled with a ballast file to a few MB free for a while.
  const diskMb = Number(values['disk-mb']);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${diskMb}m`, 'soak-data', dataDir]);
  const quiet = parseQuietWindows(values.quiet);
  const rate = Math.round((multiple * LIVE_POSTS_PER_S) / POST_SHARE);
  const count = Math.round((rate * durationMs) / 1000);
  const seed = Number(values.seed);
  // Event time = wall time from the moment the simulator starts (so ingest_lag_seconds means what it says).
  let startTimeUs = Date.now() * 1000;
  const synthetic = { seed, startTimeUs, stepUs: Math.round(1e6 / rate) };
  // Faults in the stream itself: a 17 MiB message every ~5 minutes (4 in a shorter run), a broken one every ~3 s.
  const switches: FaultSwitches = {
    oversizedEvery: Math.round(rate * Math.min(300, durationMs / 4000)),
    malformedEvery: rate * 3,
  };
  const run: SoakRun = {
    started: started.toISOString(),
    dir,
    hours,
    multiple,
    rate,
    count,
    seed,
    startTimeUs,
    switches,
    diskMb,
    clients: Number(values.clients),
    loadRate: Number(values['load-rate']),
    quiet: values.quiet,
    machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`,
    commit: codeVersion(),
    loadavg: [],
    faults: [],
  };
  const samplesFile = join(dir, 'samples.jsonl');
  const loadFile = join(dir, 'load.jsonl');
  log(
    `run folder ${dir}; ${rate} events/s (~${Math.round(rate * POST_SHARE)} posts/s) for ${hours} h, ${count} events, seed ${seed}`,
  );

  const redis = new RedisProcess(join(dataDir, 'redis'), await freePort(), join(dir, 'redis.log'));
  await redis.start();
  startTimeUs = synthetic.startTimeUs = run.startTimeUs = Date.now() * 1000;
  const sim: JetstreamSim = await startJetstreamSim({
    source: { kind: 'synthetic', ...synthetic, count, rate },
    oversized: { every: switches.oversizedEvery, bytes: 17 * 1024 * 1024 },
    honorMaxMessageSize: false,
    malformed: { every: switches.malformedEvery },
    log: (line) => log(`sim: ${line}`),
  });
  // The ingest starts from the first event: a cursor as a previous run would have left it (else a subscriber
  // without cursor starts at "live", and the events before its first connection were never sent to it).
  const seedClient = new Redis(redis.url);
  await seedClient.hset('ingest:cursor', 'time_us', String(startTimeUs), 'url', '', 'cursor', '');
  seedClient.disconnect();
  const ingestPort = await freePort();
  const ingest = new IngestProcess(
    {
      REDIS_URL: redis.url,
      JETSTREAM_URL: sim.subscribeUrl,
      DATA_DIR: dataDir,
      INGEST_PORT: String(ingestPort),
      LOG_LEVEL: 'info',
      // The soak runs compaction itself (of today: nothing is a closed day yet).
      COMPACTION_INTERVAL_MS: '0',
    },
    join(dir, 'ingest.log'),
  );
  ingest.start();
  const graph: GraphProcess = await startGraph(dataDir, { exportDir: join(dir, 'exports') });
  const endpoint = `${graph.url}/graphql`;
  log(`sim ${sim.subscribeUrl}, redis ${redis.url}, ingest :${ingestPort}, graph ${graph.url}`);
  const t0 = Date.now();
  const since = () => Date.now() - t0;
  let ending = false;

  const metrics = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${ingestPort}/metrics`, { signal: AbortSignal.timeout(2000) });
      return parseMetrics(await res.text(), [
        'ingest_lag_seconds',
        'ingest_buffer_length',
        'ingest_events_received_total',
        'ingest_flushes_total',
      ]);
    } catch {
      return undefined;
    }
  };

  // Sampler: every 10 s.
  const sampler = (async () => {
    while (!ending) {
      const m = await metrics();
      const fs = await statfs(dataDir);
      const sample: Sample = {
        t: since(),
        rss: {
          ingest: await treeRss(ingest.child?.pid),
          graph: await treeRss(graph.child.pid),
          redis: await treeRss(redis.child?.pid),
          soak: process.memoryUsage.rss(),
        },
        lagSeconds: m?.ingest_lag_seconds,
        bufferLength: m?.ingest_buffer_length,
        eventsReceived: m?.ingest_events_received_total,
        diskUsedBytes: (fs.blocks - fs.bfree) * fs.bsize,
        diskTotalBytes: fs.blocks * fs.bsize,
      };
      await appendFile(samplesFile, `${JSON.stringify(sample)}\n`);
      run.loadavg.push({ t: sample.t, load1: Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]) });
      await sleep(10_000);
    }
  })();

  // Load: windows of 60 s at --clients, capped at --load-rate requests/s, paused in --quiet windows.
  const load = (async () => {
    await sleep(30_000);
    while (!ending) {
      if (inQuietWindow(Date.now(), quiet)) {
        await sleep(15_000);
        continue;
      }
      try {
        const mix = buildMix(await sampleData(endpoint));
        const seconds = Math.max(5, Math.min(60, Math.floor((durationMs - since()) / 1000)));
        const r = await runLevel(endpoint, mix, run.clients, seconds, run.loadRate);
        const w: LoadWindow = {
          t: since(),
          seconds,
          requests: r.requests,
          p50Ms: r.p50Ms,
          p95Ms: r.p95Ms,
          p99Ms: r.p99Ms,
          errors: r.errors,
        };
        await appendFile(loadFile, `${JSON.stringify(w)}\n`);
      } catch (err) {
        log(`load window failed: ${(err as Error).message}`);
        await sleep(10_000);
      }
    }
  })();

  const record = (kind: FaultKind | string, detail: string) => {
    run.faults.push({ t: since(), kind, detail } satisfies FaultRecord);
    log(`fault ${kind}: ${detail}`);
  };
  const received = async () => (await metrics())?.ingest_events_received_total;
  /** How long until the ingest receives events again. */
  const recovery = async (from: number) => {
    const before = (await received()) ?? 0;
    await waitFor('events flowing again', async () => ((await received()) ?? 0) > before + rate * 0.1, 600_000, 250);
    return `${((Date.now() - from) / 1000).toFixed(1)} s until events flowed again`;
  };

  const faults: Record<FaultKind, () => Promise<void>> = {
    'socket-drop': async () => {
      const at = Date.now();
      sim.closeAll({ abrupt: true });
      record('socket-drop', `every connection destroyed without a close frame; ${await recovery(at)}`);
    },
    'silent-socket': async () => {
      sim.goSilent();
      await sleep(45_000);
      const at = Date.now();
      sim.resume();
      record(
        'silent-socket',
        `no message and no pong for 45 s (ingest silence timeout 20 s), then resumed; ${await recovery(at)}`,
      );
    },
    'kill-ingest-mid-flush': async () => {
      const state = join(dataDir, 'ingest-state', 'flush-state.json');
      const at = Date.now();
      await waitFor(
        'a flush in progress',
        async () => JSON.parse(await readFile(state, 'utf8').catch(() => '{}')).intent != null,
        600_000,
        5,
      );
      const intent = JSON.parse(await readFile(state, 'utf8')).intent as { count: number };
      await ingest.kill9();
      await sleep(1000);
      const restart = Date.now();
      ingest.start();
      record(
        'kill-ingest-mid-flush',
        `SIGKILL ${((restart - at) / 1000).toFixed(1)} s after asking, with a flush of ${intent.count} entries open; restarted; ${await recovery(restart)}`,
      );
    },
    'redis-kill': async () => {
      await redis.kill9();
      await sleep(2000);
      const at = Date.now();
      await redis.start();
      record(
        'redis-kill',
        `redis-server SIGKILLed, restarted from its AOF after 2 s (${((Date.now() - at) / 1000).toFixed(1)} s to load); ${await recovery(at)}`,
      );
    },
    compaction: async () => {
      const at = Date.now();
      const code = await runCompaction(dataDir, new Date().toISOString().slice(0, 10), join(dir, 'compaction.log'));
      record(
        'compaction',
        `today's partitions compacted while ingest flushed into them: exit ${code} after ${((Date.now() - at) / 1000).toFixed(1)} s (summary in compaction.log)`,
      );
    },
    'disk-full': async () => {
      const ballast = join(dataDir, 'ballast');
      const fs = await statfs(dataDir);
      const fill = fs.bavail * fs.bsize - 4 * 1024 * 1024;
      execFileSync('fallocate', ['-l', String(fill), ballast]);
      const flushes = (await metrics())?.ingest_flushes_total ?? 0;
      await sleep(90_000);
      const during = ((await metrics())?.ingest_flushes_total ?? 0) - flushes;
      await rm(ballast);
      const at = Date.now();
      record(
        'disk-full',
        `ballast of ${Math.round(fill / 2 ** 20)} MB left 4 MB free for 90 s (${during} flush attempts counted meanwhile); removed; ${await recovery(at)}`,
      );
    },
  };

  try {
    for (const f of faultSchedule(durationMs)) {
      if (since() < f.atMs) await sleep(f.atMs - since());
      try {
        await faults[f.kind]();
      } catch (err) {
        record(f.kind, `FAILED: ${(err as Error).message}`);
      }
    }
    if (since() < durationMs) await sleep(durationMs - since());
    log('duration reached: waiting for the ingest to receive the last event');
    ending = true;
    await Promise.all([sampler, load]);
    const expected = await writeExpected(dir, synthetic, count, switches);
    const cursor = new Redis(redis.url);
    await waitFor(
      `the ingest cursor at ${expected.lastTimeUs}`,
      async () => Number(await cursor.hget('ingest:cursor', 'time_us')) >= expected.lastTimeUs,
      900_000,
      1000,
    );
    const exit = await ingest.stop();
    run.ingestExit = exit;
    run.deadLetters = await cursor.xlen('ingest:dead-letter');
    const reasons: Record<string, number> = {};
    for (const [, fields] of await cursor.xrange('ingest:dead-letter', '-', '+')) {
      const i = fields.indexOf('reason');
      const reason = i >= 0 ? fields[i + 1] : 'unknown';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    run.deadLetterReasons = reasons;
    cursor.disconnect();
    run.simStats = sim.stats;
    run.ingestStarts = ingest.starts;
    run.expected = expected;
    run.ended = new Date().toISOString();
    log(`ingest stopped (exit ${exit}); accounting`);
    run.account = await account(dataDir, expected);
    run.clean = isClean(run.account) && run.deadLetters === expected.malformed + expected.oversized;
    await writeFile(join(dir, 'run.json'), JSON.stringify(run, null, 1));
    await renderReport(run, dir, values.out);
    log(`done: ${run.clean ? 'clean' : 'NOT CLEAN'}; ${JSON.stringify(run.account)}`);
    return run.clean ? 0 : 1;
  } finally {
    ending = true;
    await writeFile(join(dir, 'run.json'), JSON.stringify(run, null, 1));
    graph.child.kill('SIGTERM');
    await ingest.stop().catch(() => null);
    await sim.stop();
    await redis.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
