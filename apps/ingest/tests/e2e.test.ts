// Simulator → ingest → Redis → Parquet, checked against what the generator produced: 100k posts at full speed,
// then the socket faults (dropped every N events, silent, refused host with failover). No gap, no duplicate.
import { createIngest, type Ingest } from '../src/service';
import {
  DEFAULT_START_TIME_US,
  expectedRows,
  expectExactly,
  makeTempDir,
  startJetstreamSim,
  startRedis,
  testConfig,
  waitFor,
  type JetstreamSim,
  type RedisServer,
} from './_util';

// A paced simulator is "live": a subscriber without a cursor starts at the present. Persisting a cursor at the
// first event (as a previous run would have) makes ingest replay the firehose from its beginning.
const seedCursor = async (ingest: Ingest) => {
  await ingest.redis.connect();
  await ingest.redis.hset(ingest.keys.cursor, { time_us: String(DEFAULT_START_TIME_US), url: '', cursor: '' });
};

const reconnects = async (ingest: Ingest, reason: string) =>
  (await ingest.metrics.reconnects.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('end to end with the simulator', () => {
  let redis: RedisServer;
  let tmp: { path: string; remove: () => Promise<void> };
  const sims: JetstreamSim[] = [];
  let ingest: Ingest | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tmp = await makeTempDir('ingest-e2e-');
  });
  afterEach(async () => {
    await ingest?.stop();
    ingest = undefined;
    for (const s of sims.splice(0)) await s.stop();
    await tmp.remove();
  });

  it('writes exactly the 100k synthetic posts, byte-exact', async () => {
    // ~29 % of synthetic events are post creates: 345k events give ~100k posts.
    const source = { seed: 7, count: 345_000 };
    const expected = expectedRows(source);
    expect(expected.posts.size).toBeGreaterThan(100_000);
    // The generator's own events, served by the simulator as they are (generating them twice in this one
    // process would only slow the test down).
    const sim = await startJetstreamSim({ source: { kind: 'events', events: expected.messages } });
    sims.push(sim);
    ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: 'e1:',
        jetstreamUrls: [sim.subscribeUrl],
        flushMaxRows: 30_000,
      }),
    );
    await ingest.start();
    const running = ingest;
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 120_000);
    await running.flushNow();
    await expectExactly(tmp.path, expected);
    expect(running.pipeline.stats.invalid).toBe(0);
  });

  it('loses nothing and duplicates nothing when the connection is dropped every 3000 events; stop() flushes', async () => {
    const source = { seed: 11, count: 60_000 };
    const expected = expectedRows(source);
    const sim = await startJetstreamSim({ source: { kind: 'synthetic', ...source }, dropEveryN: 3000 });
    sims.push(sim);
    ingest = createIngest(
      testConfig({ redisUrl: redis.url, dataDir: tmp.path, redisKeyPrefix: 'e2:', jetstreamUrls: [sim.subscribeUrl] }),
    );
    await ingest.start();
    const running = ingest;
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 60_000);
    expect(sim.stats.connectionsDropped).toBeGreaterThan(3);
    expect(await reconnects(running, 'close')).toBeGreaterThan(3);
    expect(running.pipeline.stats.duplicates).toBeGreaterThan(0); // the rewind replayed some
    // Graceful shutdown: nothing flushed so far (interval 1 h, fewer rows than FLUSH_MAX_ROWS); stop() writes it all.
    await running.stop();
    ingest = undefined;
    await expectExactly(tmp.path, expected);
  });

  it('replaces a socket that goes silent and resumes from the cursor', async () => {
    const source = { seed: 13, count: 40_000 };
    const expected = expectedRows(source);
    const sim = await startJetstreamSim({ source: { kind: 'synthetic', ...source, rate: 40_000 } });
    sims.push(sim);
    ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: 'e3:',
        jetstreamUrls: [sim.subscribeUrl],
        silenceTimeoutMs: 400,
      }),
    );
    await seedCursor(ingest);
    await ingest.start();
    const running = ingest;
    await waitFor('some events', () => running.pipeline.stats.received > 1000);
    sim.goSilent();
    await waitFor('silence detected', async () => (await reconnects(running, 'silent')) >= 1);
    sim.resume();
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 60_000);
    await running.flushNow();
    await expectExactly(tmp.path, expected);
  });

  it('fails over from a refusing host to a second one, and back, without gap or duplicate', async () => {
    const source = { seed: 17, count: 60_000 };
    const expected = expectedRows(source);
    // Two hosts serving the same firehose; the first refuses connections from the start.
    const a = await startJetstreamSim({ source: { kind: 'synthetic', ...source, rate: 30_000 }, refuse: true });
    const b = await startJetstreamSim({ source: { kind: 'synthetic', ...source, rate: 30_000 } });
    sims.push(a, b);
    ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: 'e4:',
        jetstreamUrls: [a.subscribeUrl, b.subscribeUrl],
      }),
    );
    await seedCursor(ingest);
    await ingest.start();
    const running = ingest;
    await waitFor('events from the second host', () => b.stats.eventsSent > 5000);
    expect(await reconnects(running, 'refused')).toBeGreaterThanOrEqual(1);
    // Now the second host dies and refuses; the first one is back.
    a.acceptConnections();
    b.refuseConnections();
    b.closeAll({ abrupt: true });
    await waitFor('events from the first host', () => a.stats.eventsSent > 5000);
    await waitFor('the last event', () => running.pipeline.lastTimeUs >= expected.lastTimeUs, 60_000);
    await running.flushNow();
    await expectExactly(tmp.path, expected);
  });
});
