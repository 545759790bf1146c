// Defects found by probing (issue 13): an oversized message, bad events inside the rewind window, invalid UTF-8,
// and a source that reconnects forever without progress. Real simulator, real Redis, Parquet read back.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createIngest, type Ingest } from '../src/service';
import {
  expectedRows,
  expectExactly,
  makeTempDir,
  postMessage,
  readTable,
  startJetstreamSim,
  startRedis,
  testConfig,
  waitFor,
  type JetstreamSim,
  type RedisServer,
} from './_util';

const MiB = 1024 * 1024;

const metric = async (ingest: Ingest, name: string, labels?: Record<string, string>) => {
  const m = (await ingest.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m
    .filter((v) => Object.entries(labels ?? {}).every(([k, x]) => v.labels[k] === x))
    .reduce((n, v) => n + v.value, 0);
};

const deadLetters = async (ingest: Ingest) =>
  (await ingest.redis.xrangeBuffer(ingest.keys.deadLetter, '-', '+')).map(([, fields]) => {
    const o: Record<string, Buffer> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i].toString()] = fields[i + 1];
    return o;
  });

describe('hardening', () => {
  let redis: RedisServer;
  let tmp: { path: string; remove: () => Promise<void> };
  let sim: JetstreamSim | undefined;
  let ingest: Ingest | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tmp = await makeTempDir('ingest-hard-');
  });
  afterEach(async () => {
    await ingest?.stop();
    ingest = undefined;
    await sim?.stop();
    sim = undefined;
    await tmp.remove();
  });

  const start = async (prefix: string, extra = {}) => {
    ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: prefix,
        jetstreamUrls: [sim!.subscribeUrl],
        ...extra,
      }),
    );
    await ingest.start();
    return ingest;
  };

  it('asks Jetstream for maxMessageSizeBytes, so a host that honours it never sends a 17 MiB message', async () => {
    const every = 2000;
    const expected = expectedRows({ seed: 31, count: 20_000 }, (n) => (n + 1) % every === 0);
    sim = await startJetstreamSim({
      source: { kind: 'events', events: expected.messages },
      oversized: { every, bytes: 17 * MiB },
    });
    const running = await start('o1:');
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 30_000);
    await running.flushNow();
    await expectExactly(tmp.path, expected);
    // (An exhausted simulator goes quiet, so 'silent' reconnects may follow; no other kind.)
    expect(await metric(running, 'ingest_jetstream_reconnects_total', { reason: 'oversized' })).toBe(0);
    expect(await metric(running, 'ingest_jetstream_reconnects_total', { reason: 'error' })).toBe(0);
  });

  it('skips past a message over its limit from a host that ignores the limit: counted once, dead-lettered once, nothing else lost', async () => {
    const every = 2500;
    const count = 20_000;
    const expected = expectedRows({ seed: 33, count }, (n) => (n + 1) % every === 0);
    const oversized = Math.floor(expected.messages.length / every);
    expect(oversized).toBeGreaterThanOrEqual(2);
    sim = await startJetstreamSim({
      source: { kind: 'events', events: expected.messages },
      oversized: { every, bytes: 17 * MiB },
      honorMaxMessageSize: false,
    });
    const running = await start('o2:');
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 30_000);
    await running.flushNow();
    await expectExactly(tmp.path, expected);
    expect(await metric(running, 'ingest_events_invalid_total', { reason: 'too_large' })).toBe(oversized);
    const dead = (await deadLetters(running)).filter((d) => d.reason.toString() === 'too_large');
    expect(dead).toHaveLength(oversized);
    const first = JSON.parse(expected.messages[every - 1]) as { time_us: number };
    expect(dead[0].detail.toString()).toContain(`time_us ${first.time_us}`);
    expect(dead[0].raw.subarray(0, 40).toString()).toBe(expected.messages[every - 1].slice(0, 40));
    expect(dead[0].raw.length).toBe(4096);
    // One reconnect per oversized message, not a loop.
    expect(await metric(running, 'ingest_jetstream_reconnects_total', { reason: 'oversized' })).toBe(oversized);
    expect(await metric(running, 'ingest_jetstream_reconnects_total', { reason: 'error' })).toBe(0);
    expect((await running.readiness()).jetstream.ok).toBe(true);
  });

  it('/readyz reports a source that reconnects without progress (every connection cut inside the rewind window)', async () => {
    // 40 events span ~0.1 s of event time, less than the 2 s rewind: each new connection replays the same ones.
    const expected = expectedRows({ seed: 35, count: 3000 });
    sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages }, dropEveryN: 40 });
    const running = await start('o3:');
    await waitFor(
      'a stuck verdict',
      async () => /no progress/.test((await running.readiness()).jetstream.detail ?? ''),
      20_000,
    );
    const res = await fetch(`http://127.0.0.1:${running.port}/readyz`);
    expect(res.status).toBe(503);
    // The host behaves again: progress, ready again.
    sim.dropAfter(null);
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 30_000);
    await waitFor('ready again', async () => (await running.readiness()).jetstream.ok, 10_000);
  });

  it('dead-letters each bad event once and counts it once, however often a rewind replays it', async () => {
    const base = expectedRows({ seed: 37, count: 30_000 });
    const messages: string[] = [];
    let bad = 0;
    base.messages.forEach((m, i) => {
      messages.push(m);
      if (i % 150 === 75) {
        messages.push(`not json #${i}`);
        bad++;
      }
      if (i % 400 === 200) {
        const e = JSON.parse(m) as { time_us: number };
        const tooLong = JSON.parse(postMessage(100_000 + i, 'x'.repeat(3001))) as { time_us: number };
        tooLong.time_us = e.time_us; // inside the stream's time order
        messages.push(JSON.stringify(tooLong));
        bad++;
      }
    });
    // Cut every 1500 events: each reconnect rewinds 2 s (~650 events) and replays the bad ones among them.
    sim = await startJetstreamSim({ source: { kind: 'events', events: messages }, dropEveryN: 1500 });
    const running = await start('o4:');
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= base.lastTimeUs, 60_000);
    await running.flushNow();
    expect(sim.stats.connectionsDropped).toBeGreaterThan(5);
    await expectExactly(tmp.path, base);
    expect(await running.redis.xlen(running.keys.deadLetter)).toBe(bad);
    expect(await metric(running, 'ingest_events_invalid_total')).toBe(bad);
  });

  it('dead-letters invalid UTF-8 with its reason and its bytes as received (no U+FFFD anywhere)', async () => {
    const good = postMessage(1, 'fine');
    const bytes = Buffer.from(postMessage(2, 'caf\u00e9 XX'));
    const at = bytes.indexOf('XX');
    bytes[at] = 0xc3; // a lead byte followed by an ASCII byte: invalid
    bytes[at + 1] = 0x28;
    const file = join(tmp.path, 'capture.jsonl');
    await writeFile(file, Buffer.concat([Buffer.from(good + '\n'), bytes, Buffer.from('\n' + postMessage(3) + '\n')]));
    sim = await startJetstreamSim({ source: { kind: 'replay', file } });
    const running = await start('o5:');
    await waitFor('three messages', () => running.pipeline.stats.received >= 3, 20_000);
    await running.flushNow();
    const posts = await readTable(tmp.path, 'posts', 'text');
    expect(posts.map((p) => p.text).sort()).toEqual(['fine', 'post number 3']);
    expect(await metric(running, 'ingest_events_invalid_total', { reason: 'invalid_utf8' })).toBe(1);
    const [dead] = await deadLetters(running);
    expect(dead.reason.toString()).toBe('invalid_utf8');
    expect(dead.raw.equals(bytes)).toBe(true);
  });

  it('stops promptly while the buffer is full and flushes fail (the entries stay in Redis)', async () => {
    const expected = expectedRows({ seed: 39, count: 20_000 });
    sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages } });
    // A path under a regular file: every flush fails (ENOTDIR), for root too.
    const blocker = join(tmp.path, 'blocker');
    await writeFile(blocker, 'not a directory');
    ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: join(blocker, 'data'),
        redisKeyPrefix: 'o6:',
        jetstreamUrls: [sim.subscribeUrl],
        bufferMaxEntries: 500,
        appendBatchSize: 100,
        flushMaxRows: 200,
      }),
    );
    const running = ingest;
    await running.start();
    await waitFor('backpressure', () => running.pipeline.backpressureActive, 20_000);
    const started = Date.now();
    const stopped = running.stop().then(() => 'stopped');
    const outcome = await Promise.race([stopped, new Promise((r) => setTimeout(() => r('hung'), 20_000))]);
    expect(outcome).toBe('stopped');
    expect(Date.now() - started).toBeLessThan(20_000);
    ingest = undefined;
    // Nothing was lost: what was appended is still buffered for the next start.
    const check = createIngest(testConfig({ redisUrl: redis.url, dataDir: tmp.path, redisKeyPrefix: 'o6:' }));
    await check.redis.connect();
    expect(Number(await check.redis.get(check.keys.buffered))).toBeGreaterThan(500);
    check.redis.disconnect();
    await mkdir(join(tmp.path, 'unused'), { recursive: true });
  });
});
