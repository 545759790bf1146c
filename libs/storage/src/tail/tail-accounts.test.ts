import { Redis } from 'ioredis';
import type { PostRow } from '@bsky-explorer/schema';
import { HOUR, T0, account, post } from '../query/fixtures.test-util';
import { PostStore } from '../query/post-store';
import type { DuckDbPool } from '../duckdb/pool';
import { ingestKeys } from '../stream/keys';
import { ingestStreamFixture } from './ingest-stream.test-util';
import { TailFollower } from './tail-follower';

// The tail's account rows folded into the status tables once per query (tail-accounts.ts): every answer must be
// the one of the rules applied statement by statement, i.e. a post is hidden exactly when its author's newest
// account row (in the files or in the tail) says inactive.

const keys = ingestKeys('ingest:');
const sorted = (uris: Iterable<string>) => [...uris].sort();

describe('the tail’s account rows, folded once per query', () => {
  const env = ingestStreamFixture(keys, 'bsky-tail-accounts-');

  const graph = async () => {
    const store = await PostStore.create({ dataDir: env.dataDir, queryTimeoutMs: 20_000, tail: {} });
    const follower = new TailFollower({
      redis: new Redis(env.redis.url, { maxRetriesPerRequest: 1 }),
      keys,
      tail: store.tail!,
    });
    env.track(store, follower);
    const catchUp = async () => {
      while ((await follower.round(false)) > 0);
    };
    return { store, catchUp };
  };
  const foldedTables = async (store: PostStore) => {
    const pool = (store as unknown as { pool: DuckDbPool }).pool;
    const rows = await pool.use('lookup', (s) =>
      s.all(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'tail_inactive_%'`),
    );
    return rows.map((r) => r.table_name as string);
  };

  /** Every entry point that applies the rules, against the posts of the authors expected visible. */
  const expectVisible = async (store: PostStore, all: PostRow[], visibleAuthors: number[]) => {
    const want = sorted(
      all.filter((p) => visibleAuthors.some((a) => p.did === `did:plc:author${a}`)).map((p) => p.uri),
    );
    const page = await store.search({ first: 1000 });
    expect(sorted(page.rows.map((r) => r.uri))).toEqual(want);
    expect(sorted((await store.search({ first: 1000, text: 'number' })).rows.map((r) => r.uri))).toEqual(want);
    expect((await store.count({})).count).toBe(want.length);
    expect(sorted((await store.getByUris(all.map((p) => p.uri))).keys())).toEqual(want);
    for (let a = 0; a < 5; a++) {
      const did = `did:plc:author${a}`;
      const byAuthor = await store.search({ first: 1000, author: did });
      const mine = visibleAuthors.includes(a) ? all.filter((p) => p.did === did).length : 0;
      expect({ a, n: byAuthor.rows.length }).toEqual({ a, n: mine });
    }
  };

  it('hides and shows exactly as the newest account row says, across files, tail, a new snapshot and a flush', async () => {
    // In the files: author1 and author2 deactivated, author3 active; posts of every author (2 each).
    const flushed = Array.from({ length: 10 }, (_, n) => post(n));
    await env.ingest.append({
      posts: flushed,
      accounts: [
        account('did:plc:author1', false, T0),
        account('did:plc:author2', false, T0),
        account('did:plc:author3', true, T0),
      ],
    });
    await env.ingest.flush();
    const { store, catchUp } = await graph();
    await expectVisible(store, flushed, [0, 3, 4]);

    // In the tail: author1 back, author3 gone, author4 gone and back, author0 gone (no row in the files).
    const fresh = Array.from({ length: 10 }, (_, n) => post(10 + n));
    const t = T0 + HOUR;
    await env.ingest.append({ posts: fresh });
    await env.ingest.append({
      accounts: [
        account('did:plc:author1', true, t),
        account('did:plc:author3', false, t),
        account('did:plc:author4', false, t),
        account('did:plc:author0', false, t + 1),
      ],
    });
    await env.ingest.append({ accounts: [account('did:plc:author4', true, t + 2)] });
    await catchUp();
    const all = [...flushed, ...fresh];
    await expectVisible(store, all, [1, 4]);
    // Built when the rows came (off the queries' path), one table for every query of that snapshot ...
    const before = await foldedTables(store);
    expect(before.length).toBeGreaterThanOrEqual(1);
    // ... and of the next ones while no account row arrives.
    await env.ingest.append({ posts: [post(30)] });
    await catchUp();
    await expectVisible(store, [...all, post(30)], [1, 4]);
    expect(await foldedTables(store)).toEqual(before);

    // New account rows (author0 back, author4 gone and back again): new tables, and the ones no query holds any
    // more dropped (the last two built are kept).
    const steps: [number, boolean, number[]][] = [
      [0, true, [0, 1, 4]],
      [4, false, [0, 1]],
      [4, true, [0, 1, 4]],
    ];
    for (const [i, [author, active, visible]] of steps.entries()) {
      await env.ingest.append({ accounts: [account(`did:plc:author${author}`, active, t + 3 + i)] });
      await catchUp();
      await expectVisible(store, [...all, post(30)], visible);
    }
    const after = await foldedTables(store);
    expect(after.length).toBeLessThanOrEqual(2);
    expect(after).not.toContain(before[0]);

    // Flushed: the rows move to the files, the tail holds none, and the answers stay.
    await env.ingest.flush();
    await catchUp();
    expect(store.tail!.stats().rows.accounts).toBe(0);
    await expectVisible(store, [...all, post(30)], [0, 1, 4]);
  }, 60_000);

  it('shares one table among the queries running at once on a snapshot', async () => {
    const rows = Array.from({ length: 10 }, (_, n) => post(n));
    await env.ingest.append({ posts: rows, accounts: [account('did:plc:author1', false, T0)] });
    await env.ingest.flush();
    const { store, catchUp } = await graph();
    await env.ingest.append({ accounts: [account('did:plc:author2', false, T0 + 1)] });
    await catchUp();
    const counts = await Promise.all(Array.from({ length: 6 }, () => store.count({ text: 'number' })));
    expect(counts.map((c) => c.count)).toEqual(Array(6).fill(6));
    expect((await foldedTables(store)).length).toBeLessThanOrEqual(2);
  });
});
