// The HTTP surface (/healthz, /readyz with each check, /metrics with the names of docs/metrics.md) and
// backpressure: a bounded buffer stops the socket instead of growing, and nothing is lost.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createIngest } from '../src/service';
import {
  expectedRows,
  expectExactly,
  makeTempDir,
  startJetstreamSim,
  startRedis,
  testConfig,
  waitFor,
  type RedisServer,
} from './_util';

describe('http and backpressure', () => {
  let redis: RedisServer;
  let tmp: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tmp = await makeTempDir('ingest-http-');
  });
  afterEach(() => tmp.remove());

  it('serves /healthz, /readyz with every check, and every metric of docs/metrics.md', async () => {
    const expected = expectedRows({ seed: 5, count: 3000 });
    const sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages } });
    const ingest = createIngest(
      testConfig({ redisUrl: redis.url, dataDir: tmp.path, redisKeyPrefix: 'h1:', jetstreamUrls: [sim.subscribeUrl] }),
    );
    try {
      await ingest.start();
      const base = `http://127.0.0.1:${ingest.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await waitFor('the last event', () => ingest.pipeline.lastTimeUs >= expected.lastTimeUs);
      await ingest.flushNow();

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { redis: { ok: true }, jetstream: { ok: true }, dataDir: { ok: true } },
      });

      const text = await (await fetch(`${base}/metrics`)).text();
      const doc = await readFile(resolve(__dirname, '../../../docs/metrics.md'), 'utf8');
      const ingestSection = doc.slice(doc.indexOf('## ingest'), doc.indexOf('## graph'));
      const names = [...ingestSection.matchAll(/`(ingest_[a-z_]+)`/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(20);
      for (const name of names) expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
      expect(text).toMatch(/^ingest_events_received_total\{kind="commit",operation="create"\} [1-9]/m);
      expect(text).toMatch(/^ingest_flushes_total\{result="ok"\} [1-9]/m);
      expect(text).toMatch(/^ingest_redis_used_memory_bytes [1-9]/m);
      expect(text).toMatch(/^ingest_data_dir_free_bytes [1-9]/m);
      expect(text).toMatch(/^ingest_process_resident_memory_bytes /m);
      expect(text).not.toMatch(/did:plc/);

      // Redis gone → not ready, and the body says which check failed.
      await redis.kill();
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { checks: Record<string, { ok: boolean }> };
      expect(body.checks.redis.ok).toBe(false);
      expect(body.checks.dataDir.ok).toBe(true);
      await redis.restart();
    } finally {
      await ingest.stop();
      await sim.stop();
    }
  });

  it('stops reading while the buffer is over its bound, and still delivers everything', async () => {
    const expected = expectedRows({ seed: 9, count: 40_000 });
    const sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages } });
    const bound = 2000;
    const ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: 'h2:',
        jetstreamUrls: [sim.subscribeUrl],
        bufferMaxEntries: bound,
        flushMaxRows: 1_000_000,
        appendBatchSize: 200,
      }),
    );
    let maxLength = 0;
    let paused = 0;
    const watch = setInterval(() => {
      maxLength = Math.max(maxLength, ingest.pipeline.length);
      if (ingest.pipeline.backpressureActive) paused++;
    }, 5);
    try {
      await ingest.start();
      await waitFor('the last event', () => ingest.pipeline.lastTimeUs >= expected.lastTimeUs, 60_000);
      await ingest.flushNow();
      expect(paused).toBeGreaterThan(0);
      // Over the bound by at most what was already in flight when the socket paused (4 batches + socket buffers).
      expect(maxLength).toBeLessThan(bound + 4 * 200 + 2000);
      expect(ingest.flusher.stats.flushes).toBeGreaterThan(2);
      await expectExactly(tmp.path, expected);
    } finally {
      clearInterval(watch);
      await ingest.stop();
      await sim.stop();
    }
  });
});
