// Crashes: the ingest process SIGKILLed in the middle of a flush and started again; Redis SIGKILLed and
// restarted from its AOF (appendfsync everysec) while ingest runs. Afterwards the Parquet files must hold
// exactly what the firehose sent: no gap, no duplicate.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { FLUSH_STATE_DIR } from '../src/flush-state';
import { ingestKeys } from '../src/keys';
import { createIngest } from '../src/service';
import {
  expectedRows,
  expectExactly,
  freePort,
  makeTempDir,
  parquetFiles,
  startJetstreamSim,
  startRedis,
  testConfig,
  waitFor,
  type JetstreamSim,
  type RedisServer,
} from './_util';

const ROOT = resolve(__dirname, '../../..');

describe('crash safety', () => {
  let redis: RedisServer;
  let tmp: { path: string; remove: () => Promise<void> };
  let sim: JetstreamSim | undefined;
  beforeEach(async () => {
    redis = await startRedis();
    tmp = await makeTempDir('ingest-crash-');
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    await redis.stop();
    await tmp.remove();
  });

  it('a SIGKILL during a flush, then a restart: no gap, no duplicate', async () => {
    const expected = expectedRows({ seed: 21, count: 60_000 });
    sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages, rate: 5_000 } });
    const port = await freePort();
    const env = {
      ...process.env,
      REDIS_URL: redis.url,
      JETSTREAM_URL: sim.subscribeUrl,
      DATA_DIR: tmp.path,
      FLUSH_MAX_ROWS: '2000',
      FLUSH_SAFETY_LAG_MS: '0',
      INGEST_PORT: String(port),
      LOG_LEVEL: 'warn',
      JETSTREAM_BACKOFF_MIN_MS: '20',
      JETSTREAM_REWIND_SECONDS: '2',
    };
    const run = () =>
      spawn(process.execPath, ['--import', 'tsx', 'apps/ingest/src/main.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    const exited = (child: ChildProcess) =>
      new Promise<void>((done) =>
        child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
      );

    const first = run();
    const statePath = join(tmp.path, FLUSH_STATE_DIR, 'flush-state.json');
    // "During a flush": the durable intent is recorded and its files are being written.
    let flushes = 0;
    await waitFor(
      'a flush in progress (after a few complete ones)',
      async () => {
        const state = await readFile(statePath, 'utf8').then(JSON.parse, () => undefined);
        if (state?.flushedThrough) flushes = Math.max(flushes, 1);
        if (!state?.intent || (await parquetFiles(tmp.path, 'posts')).length < 3) return false;
        first.kill('SIGKILL');
        return true;
      },
      60_000,
      2,
    );
    await exited(first);
    const killedIntent = JSON.parse(await readFile(statePath, 'utf8')).intent;
    expect(killedIntent).not.toBeNull();

    const second = run();
    try {
      const healthy = () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      await waitFor('the restarted process to serve /healthz', healthy, 30_000, 50);
      const client = new Redis(redis.url);
      const keys = ingestKeys('ingest:');
      await waitFor(
        'the last event persisted',
        async () => Number(await client.hget(keys.cursor, 'time_us')) >= expected.lastTimeUs,
        90_000,
        100,
      );
      client.disconnect();
      second.kill('SIGTERM'); // graceful: final flush
      await exited(second);
      expect(second.exitCode).toBe(0);
    } finally {
      second.kill('SIGKILL');
    }
    await expectExactly(tmp.path, expected);
    expect(JSON.parse(await readFile(statePath, 'utf8')).intent).toBeNull();
  });

  it('Redis SIGKILLed and restarted from its AOF while ingest runs: recovers, no gap, no duplicate', async () => {
    const expected = expectedRows({ seed: 23, count: 80_000 });
    sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages, rate: 4_000 } });
    const ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        jetstreamUrls: [sim.subscribeUrl],
        flushMaxRows: 3000,
        flushSafetyLagMs: 2500, // the production default: only entries surely in the AOF are flushed
      }),
    );
    await ingest.start();
    try {
      await waitFor('a flush while the firehose still streams', () => ingest.flusher.stats.flushes >= 1, 60_000);
      expect(ingest.pipeline.stats.received).toBeLessThan(expected.messages.length);
      await redis.kill();
      await new Promise((r) => setTimeout(r, 300));
      await redis.restart();
      await waitFor('the last event', () => ingest.pipeline.lastTimeUs >= expected.lastTimeUs, 90_000);
      await ingest.flushNow();
      // Whether Redis lost its last second (then the append fence forces a resume from the restored cursor and
      // the rewind replays) or not (ioredis retried the queued commands), the files must be exact.
      await expectExactly(tmp.path, expected);
    } finally {
      await ingest.stop();
    }
  });
});
