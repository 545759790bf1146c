// Measures sustained ingest (simulator process → ingest → Redis → Parquet): posts/s, flush times, RSS.
// Usage: npx tsx --tsconfig tsconfig.base.json apps/ingest/bench/throughput.ts [posts=300000] [flushMaxRows=30000]
// The simulator runs as its own process (as in production, Jetstream is elsewhere); Redis is a real
// redis-server with AOF everysec; ingest runs in this process.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import { freePort, makeTempDir, startRedis } from '@bsky-explorer/testing';
import { parseConfig } from '../src/config';
import { createIngest } from '../src/service';

const ROOT = resolve(__dirname, '../../..');

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.parquet')) n += (await stat(join(e.parentPath, e.name))).size;
  }
  return n;
}

async function main() {
  const posts = Number(process.argv[2] ?? 300_000);
  const maxRows = Number(process.argv[3] ?? 30_000);
  const events = Math.ceil(posts / 0.29);
  const redis = await startRedis();
  const tmp = await makeTempDir('ingest-bench-');
  const port = await freePort();
  // A replay file written by the simulator's own --dump in a child process (so that neither generating it
  // nor the simulator's generation cost is inside this process or the measurement).
  const replay = join(tmp.path, 'firehose.jsonl');
  let messages = 0;
  await new Promise<void>((done, fail) => {
    const dump = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/jetstream-sim/src/cli.ts',
        '--synthetic',
        '--count',
        String(events),
        '--seed',
        '3',
        '--dump',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    // Only what Jetstream sends for wantedCollections=app.bsky.feed.post (the simulator reads a replay file whole).
    const out = createWriteStream(replay);
    const lines = createInterface({ input: dump.stdout });
    lines.on('line', (line) => {
      if (!line.includes('"kind":"commit"') || line.includes('"collection":"app.bsky.feed.post"')) {
        out.write(line + '\n');
        messages++;
      }
    });
    lines.once('close', () => out.end(() => done()));
    dump.once('exit', (code) => code !== 0 && fail(new Error(`--dump exited with ${code}`)));
  });
  const sim = spawn(
    process.execPath,
    ['--import', 'tsx', 'tools/jetstream-sim/src/cli.ts', '--replay', replay, '--port', String(port)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    await new Promise((r) => setTimeout(r, 4000));
    const config = {
      ...parseConfig({}),
      redisUrl: redis.url,
      dataDir: join(tmp.path, 'data'),
      jetstreamUrls: [`ws://127.0.0.1:${port}/subscribe`],
      ingestPort: 0,
      logLevel: 'warn' as const,
      flushMaxRows: maxRows,
      flushIntervalMs: 3_600_000,
      silenceTimeoutMs: 60_000,
    };
    const ingest = createIngest(config);
    let peakRss = 0;
    let peakMainHeap = 0;
    let peakArrayBuffers = 0;
    let peakHeapUsed = 0;
    let snapshotted = false;
    const rssTimer = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakMainHeap = Math.max(peakMainHeap, m.heapTotal);
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers);
      peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
      if (process.env.BENCH_SNAPSHOT_MB && m.heapUsed > Number(process.env.BENCH_SNAPSHOT_MB) * 2 ** 20 && !snapshotted) {
        snapshotted = true;
        console.error('heap snapshot:', writeHeapSnapshot(process.env.BENCH_SNAPSHOT_FILE));
      }
    }, 100);
    await ingest.start();
    let firstAt = 0;
    let idleSince = 0;
    let lastRows = -1;
    // Received: every message of the replay arrived (or, should some never come, nothing new for 5 s).
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      if (!firstAt && ingest.pipeline.stats.received > 0) firstAt = performance.now();
      const received = ingest.pipeline.stats.received;
      if (received >= messages) break;
      if (received !== lastRows) {
        lastRows = received;
        idleSince = performance.now();
      } else if (firstAt && performance.now() - idleSince > 5000) break;
    }
    const receivedAt = performance.now();
    await ingest.flushNow();
    const doneAt = performance.now();
    clearInterval(rssTimer);
    const rows = ingest.flusher.stats.rows;
    const flushes = ingest.flusher.recent.length;
    const durations =
      (await ingest.metrics.flushDuration.get()).values.find(
        (v) => v.metricName === 'ingest_flush_duration_seconds_sum',
      )?.value ?? 0;
    const rawBytes = (await ingest.metrics.rawBytesFlushed.get()).values[0]?.value ?? 0;
    const parquetBytes = await dirBytes(join(tmp.path, 'data'));
    const postRows = (await ingest.metrics.flushRows.get()).values.find((v) => v.labels.table === 'posts')?.value ?? 0;
    const seconds = (doneAt - firstAt) / 1000;
    console.log(
      JSON.stringify(
        {
          events,
          messages,
          received: ingest.pipeline.stats.received,
          postRows,
          rows,
          flushes,
          secondsFirstToAllFlushed: +seconds.toFixed(2),
          secondsFirstToLastReceived: +((receivedAt - firstAt) / 1000).toFixed(2),
          postsPerSecond: Math.round(postRows / seconds),
          meanFlushSeconds: +(durations / Math.max(1, flushes)).toFixed(3),
          peakRssMB: Math.round(peakRss / 2 ** 20),
          // Main thread only (the flush worker's heap and parquet-wasm's memory are the rest of the RSS).
          peakMainHeapMB: Math.round(peakMainHeap / 2 ** 20),
          peakMainHeapUsedMB: Math.round(peakHeapUsed / 2 ** 20),
          peakArrayBuffersMB: Math.round(peakArrayBuffers / 2 ** 20),
          parquetBytes,
          rawBytes,
          parquetVsRaw: +(parquetBytes / rawBytes).toFixed(3),
        },
        null,
        2,
      ),
    );
    const info = await ingest.redis.info('cpu');
    const stats = await ingest.redis.info('commandstats');
    console.log(
      info
        .split('\n')
        .filter((l) => l.startsWith('used_cpu'))
        .join(' '),
    );
    console.log(
      stats
        .split('\n')
        .filter((l) => /evalsha|xadd|set:|xreadgroup|xack|xtrim/.test(l))
        .join('\n'),
    );
    console.log('process cpu', process.cpuUsage());
    await ingest.stop();
  } finally {
    sim.kill('SIGTERM');
    await redis.stop();
    await tmp.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
