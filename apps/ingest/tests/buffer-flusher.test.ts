// The Redis buffer and the flusher through the real service (messages pushed straight into the buffer; the
// Jetstream side has its own tests): dedup of replays, dead letters, the three tables, a DATA_DIR that cannot
// be written, and a flush interrupted after its files were written.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeBatch } from '../src/flush-worker';
import { createIngest, type Ingest } from '../src/service';
import {
  accountMessage,
  deleteMessage,
  duplicates,
  identityMessage,
  makeTempDir,
  parquetFiles,
  postMessage,
  postUriOf,
  readTable,
  startRedis,
  testConfig,
  waitFor,
  type RedisServer,
} from './_util';

const URL = 'ws://sim.invalid/subscribe';
const push = (ingest: Ingest, msg: string) => ingest.pipeline.push(Buffer.from(msg), URL);
const metric = async (ingest: Ingest, name: string, labels?: Record<string, string>) => {
  const m = (await ingest.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m
    .filter((v) => Object.entries(labels ?? {}).every(([k, x]) => v.labels[k] === x))
    .reduce((n, v) => n + v.value, 0);
};

describe('buffer and flusher', () => {
  let redis: RedisServer;
  let tmp: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.stop());
  beforeEach(async () => {
    tmp = await makeTempDir('ingest-bf-');
  });
  afterEach(() => tmp.remove());

  const make = (prefix: string, dataDir = tmp.path, extra = {}) =>
    createIngest(testConfig({ redisUrl: redis.url, dataDir, redisKeyPrefix: prefix, ...extra }));

  it('appends once per event, dead-letters malformed ones and routes updates, deletes, accounts and identities', async () => {
    const ingest = make('t1:');
    await ingest.start();
    try {
      const texts = new Map<number, string>();
      for (let i = 0; i < 1000; i++) {
        const text = i % 7 === 0 ? `ünïcødé 🦋 ${i} "quoted" \\ back\nline` : `post ${i}`;
        texts.set(i, text);
        push(ingest, postMessage(i, text));
      }
      // A replay (rewind or failover): the same 500 events again.
      for (let i = 500; i < 1000; i++) push(ingest, postMessage(i, texts.get(i)));
      // The same events from another host, whose time_us differ (failover): still recognised.
      for (let i = 0; i < 100; i++) {
        const other = JSON.parse(postMessage(i, texts.get(i)));
        other.time_us += 1_500_000;
        push(ingest, JSON.stringify(other));
      }
      push(ingest, 'this is not json');
      push(ingest, '{"did":"did:plc:x","kind":"commit"}');
      push(ingest, postMessage(5000, 'x'.repeat(5000)));
      push(ingest, postMessage(1, 'edited text', 'update'));
      push(ingest, deleteMessage(2, 2000));
      push(ingest, identityMessage(2500, 'Alice.BSKY.Social'));
      push(ingest, identityMessage(2500, 'Alice.BSKY.Social')); // replayed identity event
      const otherHost = JSON.parse(identityMessage(2500, 'Alice.BSKY.Social'));
      otherHost.time_us += 1_500_000; // the same event (same seq) from another host: still recognised
      push(ingest, JSON.stringify(otherHost));
      push(ingest, identityMessage(2600)); // no handle
      push(ingest, accountMessage(3000, false, 'takendown'));
      push(ingest, accountMessage(3000, false, 'takendown')); // replayed account event
      await ingest.flushNow();

      const posts = await readTable(tmp.path, 'posts', 'uri, cid, text, operation');
      expect(posts).toHaveLength(1001);
      expect(duplicates(posts, (r) => `${r.uri} ${r.operation}`)).toEqual([]);
      const created = new Map(posts.filter((p) => p.operation === 'create').map((p) => [p.uri, p.text]));
      for (let i = 0; i < 1000; i++) expect(created.get(postUriOf(i))).toBe(texts.get(i));
      expect(posts.find((p) => p.operation === 'update')).toMatchObject({ uri: postUriOf(1), text: 'edited text' });

      const tombstones = await readTable(tmp.path, 'tombstones', 'uri, kind');
      expect(tombstones.sort((a, b) => String(a.kind).localeCompare(String(b.kind)))).toEqual([
        { uri: postUriOf(2), kind: 'delete' },
        { uri: postUriOf(1), kind: 'supersede' },
      ]);
      expect(await readTable(tmp.path, 'accounts', 'active, status')).toEqual([{ active: false, status: 'takendown' }]);
      // Identity rows once each, handles lower-cased, partitioned by date like the other tables.
      const identities = await readTable(tmp.path, 'identities', 'did, handle, time_us');
      expect(identities.sort((a, b) => Number(a.time_us) - Number(b.time_us))).toEqual([
        {
          did: JSON.parse(identityMessage(2500)).did,
          handle: 'alice.bsky.social',
          time_us: JSON.parse(identityMessage(2500)).time_us,
        },
        {
          did: JSON.parse(identityMessage(2600)).did,
          handle: null,
          time_us: JSON.parse(identityMessage(2600)).time_us,
        },
      ]);
      expect(
        (await parquetFiles(tmp.path, 'identities')).every((f) =>
          /\/identities\/date=\d{4}-\d{2}-\d{2}\/flush-/.test(f),
        ),
      ).toBe(true);
      expect(await metric(ingest, 'ingest_flush_rows_total', { table: 'identities' })).toBe(2);

      expect(ingest.pipeline.stats.duplicates).toBe(603);
      expect(await metric(ingest, 'ingest_duplicates_dropped_total')).toBe(603);
      expect(await metric(ingest, 'ingest_events_invalid_total')).toBe(3);
      expect(await metric(ingest, 'ingest_events_invalid_total', { reason: 'invalid_json' })).toBe(1);
      expect(await metric(ingest, 'ingest_events_invalid_total', { reason: 'text_too_long' })).toBe(1);
      expect(await metric(ingest, 'ingest_events_received_total', { kind: 'account' })).toBe(2);
      expect(await metric(ingest, 'ingest_flush_rows_total', { table: 'posts' })).toBe(1001);

      const dead = (await ingest.redis.xrange(ingest.keys.deadLetter, '-', '+')).map(([, f]) =>
        Object.fromEntries(chunk(f)),
      );
      expect(dead.map((d) => d.reason).sort()).toEqual(['invalid_json', 'missing_time_us', 'text_too_long']);
      expect(dead.find((d) => d.reason === 'invalid_json')?.raw).toBe('this is not json');
      expect(dead.find((d) => d.reason === 'text_too_long')?.raw.length).toBe(4096);

      // The cursor was written with the entries; the stream is trimmed and nothing is pending after the flush.
      expect(await ingest.redis.hget(ingest.keys.cursor, 'time_us')).toBe(
        String(JSON.parse(accountMessage(3000, false)).time_us),
      );
      expect(await ingest.redis.xlen(ingest.keys.stream)).toBe(0);
      expect(await ingest.redis.get(ingest.keys.buffered)).toBe('0');
      expect(await ingest.redis.xpending(ingest.keys.stream, ingest.keys.group)).toEqual([0, null, null, null]);
    } finally {
      await ingest.stop();
    }
  });

  it('remembers an event id through the next period of the dedup window, in marks that expire', async () => {
    const window = 1;
    const ingest = make('t6:', tmp.path, { dedupWindowSeconds: window });
    await ingest.start();
    const periodNow = () => Math.floor(Date.now() / 1000 / window);
    const nextPeriod = () => new Promise((r) => setTimeout(r, (periodNow() + 1) * window * 1000 - Date.now() + 20));
    try {
      await nextPeriod(); // the replay below must land in the period after this one
      const first = periodNow();
      push(ingest, postMessage(1));
      push(ingest, postMessage(2));
      await ingest.pipeline.drain();
      await nextPeriod();
      expect(periodNow()).toBe(first + 1);
      push(ingest, postMessage(1)); // marked in the previous period: a replay
      push(ingest, postMessage(3));
      await ingest.pipeline.drain();
      expect(ingest.pipeline.stats).toMatchObject({ appended: 3, duplicates: 1 });
      // Each period's marks live two windows: long enough to be the previous period, then gone.
      const ttl = await ingest.redis.ttl(ingest.keys.dedupPrefix + first);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * window);
      expect(await ingest.redis.smembers(ingest.keys.dedupPrefix + (first + 1))).toEqual([
        expect.stringMatching(/^c:did:.*:app\.bsky\.feed\.post:/),
      ]);
      await ingest.flushNow();
      const posts = await readTable(tmp.path, 'posts', 'uri');
      expect(posts.map((p) => p.uri).sort()).toEqual([postUriOf(1), postUriOf(2), postUriOf(3)].sort());
    } finally {
      await ingest.stop();
    }
  });

  it('flushes multi-line messages, and fails loudly (nothing acked) on a stream entry of another format', async () => {
    const ingest = make('t5:');
    await ingest.start();
    try {
      push(ingest, postMessage(3));
      // Newlines between JSON tokens are legal; the stream entry holds one line per event, so they must not split one.
      push(ingest, JSON.stringify(JSON.parse(postMessage(4, 'two\nlines')), null, 2));
      await ingest.flushNow();
      const posts = await readTable(tmp.path, 'posts', 'uri, text');
      expect(posts.sort((a, b) => String(a.uri).localeCompare(String(b.uri)))).toEqual([
        { uri: postUriOf(3), text: 'post number 3' },
        { uri: postUriOf(4), text: 'two\nlines' },
      ]);
      expect(await ingest.redis.get(ingest.keys.buffered)).toBe('0');
      // The previous format: rows as JSON objects under 'j'.
      const row = JSON.stringify([{ table: 'posts', row: { uri: postUriOf(5), text: 'post number 5' } }]);
      await ingest.redis.xadd(ingest.keys.stream, '*', 'j', row, 's', '', 'n', '200', 'c', '1', 'e', '1');
      await expect(ingest.flushNow()).rejects.toThrow(/has no 'p' field/);
      expect(await ingest.redis.xlen(ingest.keys.stream)).toBe(1);
    } finally {
      await ingest.redis.del(ingest.keys.stream);
      await ingest.stop().catch(() => undefined);
    }
  });

  it('refuses every batch after a lost one (append fence) until it has re-read the state from Redis', async () => {
    const ingest = make('t4:');
    await ingest.start();
    try {
      for (let i = 0; i < 100; i++) push(ingest, postMessage(i));
      await ingest.pipeline.drain();
      expect(ingest.pipeline.stats.appended).toBe(100);
      // As if Redis had come back from its AOF without the last batches: its sequence is behind ours.
      await ingest.redis.set(ingest.keys.appendSeq, '0');
      for (let i = 100; i < 200; i++) push(ingest, postMessage(i));
      await ingest.pipeline.drain();
      expect(ingest.pipeline.stats.appended).toBe(100); // refused: these come again from the persisted cursor
      expect(await ingest.redis.hget(ingest.keys.cursor, 'time_us')).toBe(String(JSON.parse(postMessage(99)).time_us));
      // The reconnect loop re-reads the sequence and the cursor before the next socket.
      await waitFor('the buffer to resync', async () => {
        await ingest.pipeline.resumePoint();
        push(ingest, postMessage(200));
        await ingest.pipeline.drain();
        return ingest.pipeline.stats.appended === 101;
      });
      expect(await ingest.redis.hget(ingest.keys.cursor, 'time_us')).toBe(String(JSON.parse(postMessage(200)).time_us));
    } finally {
      await ingest.stop();
    }
  });

  it('fails loudly while DATA_DIR cannot be written, acknowledges nothing, and loses nothing once fixed', async () => {
    // Root ignores permission bits; a path under a regular file fails for everyone (ENOTDIR).
    const blocker = join(tmp.path, 'blocker');
    await writeFile(blocker, 'not a directory');
    const dataDir = join(blocker, 'data');
    const ingest = make('t2:', dataDir, { flushIntervalMs: 200, flushMaxRows: 100 });
    await ingest.start();
    try {
      for (let i = 0; i < 300; i++) push(ingest, postMessage(i));
      await ingest.pipeline.drain();
      await expect(ingest.flushNow()).rejects.toThrow(/flush/);
      // The periodic flush keeps retrying with backoff, counting every failure.
      await waitFor('retries', async () => (await metric(ingest, 'ingest_flushes_total', { result: 'error' })) >= 3);
      expect(await ingest.redis.get(ingest.keys.buffered)).toBe('300');
      expect(await ingest.redis.xlen(ingest.keys.stream)).toBeGreaterThan(0);
      const readiness = await ingest.readiness();
      expect(readiness.dataDir.ok).toBe(false);

      await rm(blocker);
      await mkdir(dataDir, { recursive: true });
      await ingest.flushNow();
      const posts = await readTable(dataDir, 'posts', 'uri');
      expect(new Set(posts.map((p) => p.uri)).size).toBe(300);
      expect(posts).toHaveLength(300);
      expect(await ingest.redis.xlen(ingest.keys.stream)).toBe(0);
      expect((await ingest.readiness()).dataDir.ok).toBe(true);
    } finally {
      await ingest.stop();
    }
  });

  it('redoes a flush interrupted after its files were written, under the same names (files in row groups)', async () => {
    let crashes = 0;
    const ingest = createIngest(
      testConfig({
        redisUrl: redis.url,
        dataDir: tmp.path,
        redisKeyPrefix: 't3:',
        flushMaxRows: 400,
        flushChunkRows: 150,
        appendBatchSize: 100,
      }),
      {
        // The files reach the disk, then the flush dies before the state and the ack are recorded.
        write: async (dir, batch) => {
          const files = await writeBatch(dir, batch);
          if (crashes++ === 0) throw new Error('simulated crash after the files were written');
          return files;
        },
      },
    );
    await ingest.start();
    try {
      for (let i = 0; i < 1000; i++) push(ingest, postMessage(i));
      await ingest.pipeline.drain();
      // 400 rows (crash, then redone by recovery), 400 rows; then flushNow() writes the last 200. A flush of 4
      // entries of 100 rows is written as 2 file groups (a cut after 200 rows), one of 2 entries as 1.
      await waitFor('two size-triggered flushes', () => crashes >= 3);
      await ingest.flushNow();
      expect(await ingest.redis.xlen(ingest.keys.stream)).toBe(0);
      const posts = await readTable(tmp.path, 'posts', 'uri');
      expect(posts).toHaveLength(1000);
      expect(duplicates(posts, (r) => String(r.uri))).toEqual([]);
      expect(await parquetFiles(tmp.path, 'posts')).toHaveLength(5);
      expect(await metric(ingest, 'ingest_flushes_total', { result: 'error' })).toBe(1);
    } finally {
      await ingest.stop();
    }
  });
});

function chunk(fields: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i], fields[i + 1]]);
  return out;
}
