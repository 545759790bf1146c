import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { isMissingFileError } from '../duckdb/errors';
import { DuckDbPool } from '../duckdb/pool';
import { DAY, HOUR, T0, flush, post, tombstone } from './fixtures.test-util';
import { PostStore, postCursor } from './post-store';

describe('queries while flushes and compactions swap files', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-swap-');
  });
  afterEach(() => tmp.remove());

  it('recognises DuckDB’s error for a listed file that is gone', async () => {
    await using pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 5000 });
    const err = await pool
      .query('search', `SELECT * FROM read_parquet('${tmp.path}/gone.parquet')`)
      .catch((e: unknown) => e);
    expect(isMissingFileError(err)).toBe(true);
  });

  it('never fails nor returns a partial or doubled set while compaction replaces and deletes files', async () => {
    const date = '2024-05-25';
    const posts = Array.from({ length: 120 }, (_, i) =>
      post(i, { indexed_at: T0 - 11 * HOUR + i * 60_000_000, text: i % 2 ? 'odd one' : 'even one' }),
    );
    const deleted = posts.filter((_, i) => i % 10 === 0);
    const newestFirst = posts
      .filter((p) => !deleted.includes(p))
      .sort((a, b) => b.indexed_at - a.indexed_at)
      .map((p) => p.uri);
    for (let i = 0; i < posts.length; i += 20) await flush(tmp.path, { posts: posts.slice(i, i + 20) });
    await flush(tmp.path, { tombstones: deleted.map((p) => tombstone(p, 'delete', p.time_us + 1)) });

    // One store without the result cache (every query reads the files as they are swapped), one with it (a cached
    // answer must never outlive its file set).
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 3, queryTimeoutMs: 20_000 });
    await using cachedStore = await PostStore.create({
      dataDir: tmp.path,
      poolSize: 2,
      queryTimeoutMs: 20_000,
      resultCacheSize: 64,
    });
    let stop = false;
    let queries = 0;
    const reader = async (store: PostStore) => {
      while (!stop) {
        const full = await store.search({ first: 1000, fromUs: T0 - DAY / 2, toUs: T0 + DAY / 2 });
        expect(full.rows.map((r) => r.uri)).toEqual(newestFirst);
        expect((await store.count({ text: 'odd' })).count).toBe(
          posts.filter((p, i) => i % 2 && !deleted.includes(p)).length,
        );
        // A page boundary across a swap: the next page continues exactly where the first stopped.
        const first = await store.search({ first: 30 });
        const rest = await store.search({ first: 1000, after: postCursor(first.rows[first.rows.length - 1]) });
        expect([...first.rows, ...rest.rows].map((r) => r.uri)).toEqual(newestFirst);
        queries += 4;
      }
    };
    const compactor = async () => {
      try {
        for (let round = 0; round < 4; round++) {
          // A replayed flush (same rows again) makes the next compaction publish a new generation.
          await flush(tmp.path, { posts: posts.slice(round * 10, round * 10 + 15) });
          // graceMs 0: replaced files are deleted at once, so readers that listed them must retry.
          await compactDay(tmp.path, date, { graceMs: 0 });
        }
      } finally {
        stop = true;
      }
    };
    await Promise.all([compactor(), reader(store), reader(store), reader(cachedStore)]);
    expect(queries).toBeGreaterThan(0);
  });
});
