import { Redis } from 'ioredis';
import type { PostRow } from '@bsky-explorer/schema';
import { waitFor } from '@bsky-explorer/testing';
import { HOUR, T0, account, post, tombstone } from '../query/fixtures.test-util';
import { PostStore, type Timings } from '../query/post-store';
import { compactDay } from '../compaction/compact-day';
import { ingestKeys } from '../stream/keys';
import { ingestStreamFixture } from './ingest-stream.test-util';
import { filesWithTail } from './tail-files';
import { SqlParams } from '../query/post-sql';
import type { DuckDbPool } from '../duckdb/pool';
import { TailFollower } from './tail-follower';
import { partitionDate } from '../layout/partition';

const keys = ingestKeys('ingest:');
const sorted = (uris: Iterable<string>) => [...uris].sort();

/** A fast-failing client, as the graph makes one (no offline queue: a command while Redis is away fails at once). */
const client = (url: string) =>
  new Redis(url, { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });

describe('the tail: buffered posts visible before their flush, exactly once across it', () => {
  const env = ingestStreamFixture(keys, 'bsky-tail-');

  /** A store with a tail and its follower (not started: tests drive rounds, unless `run`). */
  const graph = async (options: { maxRows?: number; run?: boolean } = {}) => {
    const store = await PostStore.create({
      dataDir: env.dataDir,
      poolSize: 3,
      queryTimeoutMs: 20_000,
      resultCacheSize: 64,
      tail: { maxRows: options.maxRows },
    });
    const follower = new TailFollower({
      redis: client(env.redis.url),
      keys,
      tail: store.tail!,
      blockMs: 100,
      batchEntries: 2,
      minIntervalMs: 0,
      retryMs: 50,
    });
    env.track(store, follower);
    if (options.run) follower.start();
    else await waitFor('redis client', () => follower.round(false).then(() => true));
    return { store, follower, catchUp: async () => void (await drain(follower)) };
  };
  const drain = async (follower: TailFollower) => {
    while ((await follower.round(false)) > 0);
  };

  /** What every entry point says, over the whole range and a one-hour range. */
  const everything = async (store: PostStore, all: PostRow[]) => {
    const page = await store.search({ first: 1000 });
    const text = await store.search({ first: 1000, text: 'number', fromUs: T0, toUs: T0 + HOUR });
    const lookup = await store.getByUris(all.map((p) => p.uri));
    const csv = await store.exportCsv({ limit: 1000 }, `${env.dataDir}/x-${Math.random()}.csv`);
    const volume = await store.postVolume({}, 'DAY');
    const langs = await store.topFacets({}, 'langs', 5);
    return {
      search: page.rows.map((r) => r.uri),
      text: text.rows.map((r) => r.uri),
      lookup: sorted(lookup.keys()),
      count: (await store.count({})).count,
      exported: csv.rowCount,
      volume: volume.reduce((n, b) => n + b.count, 0),
      en: langs.find((f) => f.value === 'en')?.count ?? 0,
    };
  };
  const expectExactly = async (store: PostStore, visible: PostRow[], all: PostRow[] = visible) => {
    const seen = await everything(store, all);
    const want = sorted(visible.map((p) => p.uri));
    expect(sorted(seen.search)).toEqual(want);
    expect(seen.search).toHaveLength(want.length); // each once
    expect(sorted(seen.text)).toEqual(want);
    expect(seen.lookup).toEqual(want);
    expect([seen.count, seen.exported, seen.volume, seen.en]).toEqual(Array(4).fill(want.length));
  };

  it('keeps the span of the posts it holds across a prune, and answers windowed searches by it', async () => {
    const { store, catchUp } = await graph();
    const [early, mid, late] = [post(1), post(2, { indexed_at: T0 + HOUR / 2 }), post(3, { indexed_at: T0 + HOUR })];
    const first = await env.ingest.append({ posts: [early] });
    await env.ingest.append({ posts: [mid, late] });
    await catchUp();
    const day = partitionDate(T0);
    expect(store.tail!.snapshot()?.postSpans).toEqual({
      [day]: { minUs: early.indexed_at, maxUs: late.indexed_at, rows: 3 },
    });
    // The first entry flushed (written and committed by ingest): the tail keeps the other two, and their span.
    await env.ingest.commit((await env.ingest.writeFiles(first))!.last);
    await catchUp();
    expect(store.tail!.snapshot()?.postSpans).toEqual({
      [day]: { minUs: mid.indexed_at, maxUs: late.indexed_at, rows: 2 },
    });
    // Windows of the newest first, and a range that only the flushed file meets.
    expect((await store.search({ first: 2 })).rows.map((r) => r.uri)).toEqual([late.uri, mid.uri]);
    expect((await store.search({ first: 5, toUs: early.indexed_at + 1 })).rows.map((r) => r.uri)).toEqual([early.uri]);
    expect((await store.search({ first: 5, fromUs: mid.indexed_at + 1 })).rows.map((r) => r.uri)).toEqual([late.uri]);
  });

  it('answers a page the tail fills without opening the token files of older compacted days', async () => {
    // Yesterday compacted (with token files), a common word in it and in the tail.
    const yesterday = Array.from({ length: 8 }, (_, i) =>
      post(100 + i, { text: `social day ${i}`, indexed_at: T0 - 24 * HOUR + i }),
    );
    await env.ingest.append({ posts: yesterday });
    await env.ingest.flush();
    await compactDay(env.dataDir, partitionDate(yesterday[0].indexed_at), { graceMs: 0 });
    const { store, catchUp } = await graph();
    const today = Array.from({ length: 6 }, (_, i) => post(200 + i, { text: `so social ${i}`, indexed_at: T0 + i }));
    await env.ingest.append({ posts: today });
    await catchUp();
    const newestFirst = (rows: PostRow[]) => [...rows].sort((a, b) => b.indexed_at - a.indexed_at).map((p) => p.uri);

    const timings: Timings = {};
    const page = await store.search({ first: 5, text: 'social' }, timings);
    expect(page.rows.map((r) => r.uri)).toEqual(newestFirst(today).slice(0, 5));
    expect(timings).toHaveProperty('scan');
    expect(timings).not.toHaveProperty('plan');
    // A page reaching past the tail goes on into the compacted day, through its token files.
    const more: Timings = {};
    const all = await store.search({ first: 10, text: 'social' }, more);
    expect(all.rows.map((r) => r.uri)).toEqual([...newestFirst(today), ...newestFirst(yesterday)].slice(0, 10));
    expect(more).toHaveProperty('plan');
  });

  it('finds a post before its flush, in every query, and exactly once at each step of the flush', async () => {
    const flushed = [post(1), post(2)];
    await env.ingest.append({ posts: flushed });
    await env.ingest.flush();
    const { store, catchUp } = await graph();
    const fresh = [post(3), post(4)];
    await env.ingest.append({ posts: [fresh[0]] });
    await env.ingest.append({ posts: [fresh[1]] });
    await catchUp();
    await expectExactly(store, [...flushed, ...fresh]);
    expect(store.tail!.stats().rows.posts).toBe(2);
    // The span of what it holds (scan windows start at its newest post and skip it where it cannot match).
    expect(store.tail!.snapshot()?.postSpans).toEqual({
      [partitionDate(fresh[0].indexed_at)]: { minUs: fresh[0].indexed_at, maxUs: fresh[1].indexed_at, rows: 2 },
    });

    // Files written, not committed (ingest between steps 2 and 4): the tail still answers for those entries.
    const range = await env.ingest.writeFiles();
    await expectExactly(store, [...flushed, ...fresh]);
    // Committed, but the tail has not seen flushed-through yet: the files are left out until it has.
    await env.ingest.commit(range!.last);
    await expectExactly(store, [...flushed, ...fresh]);
    await catchUp();
    expect(store.tail!.stats().rows.posts).toBe(0);
    await expectExactly(store, [...flushed, ...fresh]);
  });

  it('stays exactly once under concurrent queries while entries arrive and flushes land', async () => {
    const { store } = await graph({ run: true });
    const written: PostRow[] = [];
    let stop = false;
    const failures: string[] = [];
    /** Every post some finished query returned: from then on each query must return it too (nothing goes missing). */
    const seen = new Set<string>();
    const reader = async () => {
      while (!stop) {
        const mustSee = [...seen];
        const page = await store.search({ first: 1000 });
        const count = (await store.count({})).count;
        const uris = page.rows.map((r) => r.uri);
        if (new Set(uris).size !== uris.length) failures.push(`duplicate in a page of ${uris.length}`);
        if (uris.length > written.length || count > written.length) failures.push(`more than written`);
        const found = new Set(uris);
        const missing = mustSee.filter((u) => !found.has(u));
        if (missing.length > 0) failures.push(`${missing.length} seen before, missing now`);
        if (count < mustSee.length) failures.push(`count ${count} below ${mustSee.length} seen before`);
        for (const u of uris) seen.add(u);
      }
    };
    const readers = [reader(), reader(), reader()];
    for (let i = 0; i < 60; i++) {
      const p = post(100 + i);
      await env.ingest.append({ posts: [p] });
      written.push(p);
      // The last ten stay in the tail.
      if (i % 10 === 9 && i < 50) await env.ingest.flush();
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('every post visible', async () => (await store.count({})).count === written.length);
    stop = true;
    await Promise.all(readers);
    expect(failures).toEqual([]);
    await expectExactly(store, written);
  });

  it('misses nothing when a flush commits between its reads of flushed-through and of the stream', async () => {
    const { store, follower, catchUp } = await graph();
    const held = [post(1), post(2)];
    for (const p of held) await env.ingest.append({ posts: [p] });
    await catchUp();
    const flushed = [post(3), post(4)];
    for (const p of flushed) await env.ingest.append({ posts: [p] });
    // The round reads flushed-through; then ingest flushes all it buffered (trimming those entries from the stream)
    // and appends one more, which is all the round's XREAD then finds.
    const redisClient = (follower as unknown as { opts: { redis: Redis } }).opts.redis;
    const get = redisClient.get.bind(redisClient);
    let interleaved = false;
    redisClient.get = (async (key: string) => {
      const value = await get(key);
      if (!interleaved) {
        interleaved = true;
        await env.ingest.flush();
        await env.ingest.append({ posts: [post(5)] });
      }
      return value;
    }) as typeof redisClient.get;
    expect(await follower.round(false)).toBe(1);
    redisClient.get = get;
    await expectExactly(store, [...held, ...flushed, post(5)]);
    await catchUp();
    await expectExactly(store, [...held, ...flushed, post(5)]);
  });

  it('a delete in the tail hides an unflushed and a flushed post; an account change hides and restores both', async () => {
    const [old, kept, gone, mine, mineToo] = [post(1), post(2), post(3), post(5, { did: 'did:plc:me' }), post(6)];
    const myNew = post(7, { did: 'did:plc:me' });
    await env.ingest.append({ posts: [old, kept, mine] });
    await env.ingest.flush();
    const { store, catchUp } = await graph();
    await env.ingest.append({ posts: [gone, mineToo, myNew] });
    await catchUp();
    const all = [old, kept, gone, mine, mineToo, myNew];
    await expectExactly(store, all);
    const at = T0 + HOUR;
    await env.ingest.append({ tombstones: [tombstone(old, 'delete', at), tombstone(gone, 'delete', at)] });
    await catchUp();
    await expectExactly(store, [kept, mine, mineToo, myNew], all);
    await env.ingest.append({ accounts: [account('did:plc:me', false, at + 1)] });
    await catchUp();
    await expectExactly(store, [kept, mineToo], all);
    await env.ingest.append({ accounts: [account('did:plc:me', true, at + 2)] });
    await catchUp();
    await expectExactly(store, [kept, mine, mineToo, myNew], all);
    // The same once all of it is flushed.
    await env.ingest.flush();
    await catchUp();
    expect(store.tail!.stats().entries).toBe(0);
    await expectExactly(store, [kept, mine, mineToo, myNew], all);
  });

  it('an update row in the tail hides older versions in the tail and in files, even without its tombstone', async () => {
    const [inFile, inTail] = [post(1), post(2)];
    await env.ingest.append({ posts: [inFile] });
    await env.ingest.flush();
    const { store, catchUp } = await graph();
    await env.ingest.append({ posts: [inTail] });
    await catchUp();
    const newer = (p: PostRow): PostRow => ({
      ...p,
      cid: `${p.cid}-e`,
      text: `${p.text} edited`,
      indexed_at: p.indexed_at + HOUR / 2,
      time_us: p.time_us + HOUR / 2,
      operation: 'update',
    });
    // No supersede tombstones: the update rows alone (the visibility rules' defensive case) hide the older versions.
    await env.ingest.append({ posts: [newer(inFile), newer(inTail)] });
    await catchUp();
    await expectExactly(store, [newer(inFile), newer(inTail)]);
    const page = await store.search({ first: 10 });
    expect(page.rows.map((r) => r.cid).sort()).toEqual([newer(inFile).cid, newer(inTail).cid]);
  });

  it('keeps answering while Redis is away (from the files and what the tail holds), then resumes', async () => {
    const states: boolean[] = [];
    const { store, follower } = await graph({ run: true });
    (follower as unknown as { opts: { onState: (s: { connected: boolean }) => void } }).opts.onState = (s) =>
      states.push(s.connected);
    const a = post(1);
    await env.ingest.append({ posts: [a] });
    await env.ingest.flush();
    const b = post(2);
    await env.ingest.append({ posts: [b] });
    await waitFor('b in the tail', async () => (await store.count({})).count === 2);

    env.writer.disconnect();
    await env.redis.kill();
    await waitFor('follower sees Redis gone', () => !follower.isConnected);
    await expectExactly(store, [a, b]);
    const lagWhileAway = follower.lagSeconds(Date.now() + 5000);
    expect(lagWhileAway).toBeGreaterThan(4);

    await env.redis.restart();
    env.reconnect();
    await waitFor('follower reconnected', () => follower.isConnected);
    const c = post(3);
    await env.ingest.append({ posts: [c] });
    await waitFor('c visible', async () => (await store.count({})).count === 3);
    await expectExactly(store, [a, b, c]);
    expect(states).toEqual(expect.arrayContaining([false, true]));
  });

  it('rebuilds the tail from Redis on restart', async () => {
    await env.ingest.append({ posts: [post(1)] });
    await env.ingest.flush();
    await env.ingest.append({ posts: [post(2), post(3)] });
    const first = await graph();
    await first.catchUp();
    await expectExactly(first.store, [post(1), post(2), post(3)]);
    const { store, catchUp } = await graph();
    await catchUp();
    expect(store.tail!.stats().rows.posts).toBe(2);
    await expectExactly(store, [post(1), post(2), post(3)]);
  });

  it('holds at most its bound (plus one read), waits in Redis until a flush makes room, and misses nothing', async () => {
    const { store, follower, catchUp } = await graph({ maxRows: 4 });
    const posts: PostRow[] = [];
    for (let i = 0; i < 10; i++) {
      posts.push(post(i));
      await env.ingest.append({ posts: [post(i)] });
    }
    await catchUp();
    const stats = store.tail!.stats();
    expect(stats.full).toBe(true);
    expect(stats.rows.posts).toBeGreaterThanOrEqual(4);
    expect(stats.rows.posts).toBeLessThanOrEqual(4 + 2); // batchEntries 2, one row each
    // Only what the tail holds is visible before the flush: the oldest ones, nothing twice.
    const held = posts.slice(0, stats.rows.posts);
    await expectExactly(store, held, posts);
    // The flush covers entries past the tail's end: its files are read, the tail does not repeat them.
    const range = await env.ingest.writeFiles();
    await expectExactly(store, posts);
    await env.ingest.commit(range!.last);
    await catchUp();
    expect(follower.lagSeconds()).toBeLessThan(5);
    expect(store.tail!.stats()).toMatchObject({ full: false, entries: 0 });
    await expectExactly(store, posts);
  });

  it('a query keeps the generation it listed with while a prune makes a new one; the old one goes on release', async () => {
    const { store, catchUp } = await graph();
    await env.ingest.append({ posts: [post(1)] });
    await catchUp();
    const lease = store.tail!.acquire();
    await env.ingest.flush();
    await catchUp();
    expect(store.tail!.stats().generation).toBe(lease.snapshot!.gen + 1);
    const sql = new SqlParams();
    const paths = filesWithTail({ posts: [], tombstones: [], accounts: [] }, lease.snapshot!, {}).posts;
    const pool = (store as unknown as { pool: DuckDbPool }).pool;
    const read = () => pool.query('search', `SELECT uri FROM ${sql.files(paths)}`, sql.values);
    expect(await read()).toEqual([{ uri: post(1).uri }]);
    lease.release();
    await waitFor('old generation dropped', () =>
      read().then(
        () => false,
        () => true,
      ),
    );
    await expectExactly(store, [post(1)]);
  });
});
