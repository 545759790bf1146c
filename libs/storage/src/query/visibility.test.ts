import { readFile } from 'node:fs/promises';
import { makeTempDir } from '@bsky-explorer/testing';
import type { PostRow } from '@bsky-explorer/schema';
import { DAY, HOUR, T0, account, flush, post, tombstone } from './fixtures.test-util';
import { PostStore, postCursor } from './post-store';

const uris = (rows: { uri: string }[]) => rows.map((r) => r.uri).sort();

describe('PostStore visibility', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: PostStore;
  let written: Set<string>;
  /** flush(), remembering every post uri ever written (the lookup asks for all of them). */
  const write = (rows: Parameters<typeof flush>[1]) => {
    for (const p of rows.posts ?? []) written.add(p.uri);
    return flush(tmp.path, rows);
  };

  beforeEach(async () => {
    tmp = await makeTempDir('bsky-visibility-');
    written = new Set();
    store = await PostStore.create({ dataDir: tmp.path, poolSize: 2, queryTimeoutMs: 20_000 });
  });
  afterEach(async () => {
    await store.close();
    await tmp.remove();
  });

  /** Everything the store says about visibility, through every entry point. */
  const visible = async (): Promise<{ search: string[]; count: number; lookup: string[]; exported: number }> => {
    const all = [...written];
    const page = await store.search({ first: 1000 });
    const found = await store.getByUris(all);
    const { rowCount } = await store.exportCsv({ limit: 1000 }, `${tmp.path}/x.csv`);
    return {
      search: uris(page.rows),
      count: (await store.count({})).count,
      lookup: [...found.keys()].sort(),
      exported: rowCount,
    };
  };
  const expectVisible = async (rows: PostRow[]) => {
    const v = await visible();
    expect(v.search).toEqual(uris(rows));
    expect(v.lookup).toEqual(uris(rows));
    expect(v.count).toBe(rows.length);
    expect(v.exported).toBe(rows.length);
  };

  it('hides a deleted post, on any later day, through search, count, lookup and export', async () => {
    const [a, b, c] = [post(1), post(2), post(3)];
    await write({ posts: [a, b, c] });
    await write({ tombstones: [tombstone(b, 'delete', b.time_us + 10)] });
    await write({ tombstones: [tombstone(c, 'delete', c.time_us + 2 * DAY)] });
    await expectVisible([a]);
    // A one-day search still sees the delete that was written on a later day.
    const page = await store.search({ first: 10, fromUs: T0, toUs: T0 + DAY });
    expect(uris(page.rows)).toEqual([a.uri]);
  });

  it('serves repeated searches and counts from the result cache, never across a file-set change', async () => {
    const kinds: string[] = [];
    await using cached = await PostStore.create({
      dataDir: tmp.path,
      poolSize: 2,
      queryTimeoutMs: 20_000,
      resultCacheSize: 64,
      onQuery: (o) => kinds.push(o.kind),
    });
    const [a, b, c] = [
      post(1, { text: 'cache me' }),
      post(2, { text: 'cache me too' }),
      post(3, { text: 'cache later' }),
    ];
    await write({ posts: [a, b] });
    const ask = async () => ({
      page: uris((await cached.search({ first: 10, text: 'cache' })).rows),
      count: (await cached.count({ text: 'cache' })).count,
    });
    expect(await ask()).toEqual({ page: uris([a, b]), count: 2 });
    const queries = kinds.length;
    expect(await ask()).toEqual({ page: uris([a, b]), count: 2 });
    expect(kinds.length).toBe(queries); // answered without DuckDB
    // A new post, a delete, an account status: each is a new file, so the next answer is computed afresh.
    await write({ posts: [c] });
    expect(await ask()).toEqual({ page: uris([a, b, c]), count: 3 });
    await write({ tombstones: [tombstone(a, 'delete', a.time_us + 10)] });
    expect(await ask()).toEqual({ page: uris([b, c]), count: 2 });
    await write({ accounts: [account(b.did, false, T0 + DAY)] });
    expect(await ask()).toEqual({ page: uris([c]), count: 1 });
    expect(kinds.length).toBeGreaterThan(queries);
  });

  it('shows only the latest version of an updated post', async () => {
    const v1 = post(1, { text: 'first version' });
    const v2 = {
      ...v1,
      cid: 'bafy-v2',
      text: 'second version',
      indexed_at: v1.indexed_at + HOUR,
      time_us: v1.time_us + HOUR,
      operation: 'update' as const,
    };
    await write({ posts: [v1] });
    await write({ posts: [v2], tombstones: [tombstone(v1, 'supersede', v2.time_us)] });
    const page = await store.search({ first: 10 });
    expect(page.rows).toEqual([v2]);
    expect((await store.count({ text: 'first' })).count).toBe(0);
    expect((await store.getByUris([v1.uri])).get(v1.uri)?.text).toBe('second version');
  });

  it('keeps the highest time_us of two versions even without a supersede tombstone', async () => {
    const v1 = post(1, { text: 'old words' });
    const v2 = {
      ...v1,
      text: 'new words',
      indexed_at: v1.indexed_at + 5,
      time_us: v1.time_us + 5,
      operation: 'update' as const,
    };
    await write({ posts: [v1, v2] });
    expect((await store.search({ first: 10, text: 'words' })).rows.map((r) => r.text)).toEqual(['new words']);
    expect((await store.count({ text: 'words' })).count).toBe(1);
  });

  it('hides a deactivated account, shows it again once reactivated, latest status by time_us', async () => {
    const mine = [post(1, { did: 'did:plc:alice' }), post(2, { did: 'did:plc:alice' })];
    const other = post(3, { did: 'did:plc:bob' });
    await write({ posts: [...mine, other] });
    await write({ accounts: [account('did:plc:alice', false, T0 + HOUR)] });
    await expectVisible([other]);
    await write({ accounts: [account('did:plc:alice', true, T0 + 2 * DAY)] });
    await expectVisible([...mine, other]);
    // Files are read in any order: the row with the greatest time_us decides, not the file written last.
    await write({ accounts: [account('did:plc:alice', false, T0 + HOUR + 1)] });
    await expectVisible([...mine, other]);
    await write({ accounts: [account('did:plc:bob', false, T0 + 3 * DAY)] });
    await expectVisible(mine);
  });

  it('never returns the same post twice when a flush was replayed into a second file', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => post(i, { indexed_at: T0 + Math.floor(i / 2) * 1000 }));
    await write({ posts: rows });
    await write({ posts: rows.slice(2, 6) });
    await write({ posts: rows.slice(3) });
    await expectVisible(rows);
    // Page by page too, with duplicates on page boundaries.
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await store.search({ first: 2, after });
      seen.push(...page.rows.map((r) => r.uri));
      if (!page.hasNextPage) break;
      const last = page.rows[page.rows.length - 1];
      after = postCursor(last);
    }
    expect(seen.length).toBe(rows.length);
    expect(seen.sort()).toEqual(uris(rows));
    // An export limit falling among duplicated rows still gets `limit` distinct posts.
    const out = `${tmp.path}/five.csv`;
    expect((await store.exportCsv({ limit: 5 }, out)).rowCount).toBe(5);
    const lines = (await readFile(out, 'utf8')).trim().split('\r\n').slice(1);
    expect(new Set(lines).size).toBe(5);
  });

  it('finds posts of the live day (the partition runs to midnight, the data only to now), including a clock-skewed one', async () => {
    const now = Date.now() * 1000;
    const rows = [
      post(1, { indexed_at: now - 5 * HOUR }),
      post(2, { indexed_at: now - HOUR / 2 }),
      post(3, { indexed_at: now + 2 * HOUR }),
    ];
    await write({ posts: rows.map((r) => ({ ...r, time_us: r.indexed_at })) });
    const page = await store.search({ first: 2 });
    expect(page.rows.map((r) => r.uri)).toEqual([rows[2].uri, rows[1].uri]);
    const next = await store.search({ first: 2, after: postCursor(page.rows[1]) });
    expect(next.rows.map((r) => r.uri)).toEqual([rows[0].uri]);
  });

  it('answers an empty data dir with nothing, and writes a header-only export', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.search({ first: 5 })).toEqual({ rows: [], hasNextPage: false });
    expect((await store.count({ text: 'x' })).count).toBe(0);
    expect((await store.getByUris(['at://x'])).size).toBe(0);
    expect((await store.exportCsv({ limit: 5 }, `${tmp.path}/empty.csv`)).rowCount).toBe(0);
  });
});
