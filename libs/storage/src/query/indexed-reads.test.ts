import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { listPostFiles } from '../layout/list-data-files';
import { DAY, HOUR, T0, account, edited, flush, pagedUris, post, tombstone } from './fixtures.test-util';
import { PostStore, postCursor, type SearchArgs } from './post-store';

// Author searches and uri lookups read compacted days through their side files (by-author, by-uri) and the rest
// by scan. Whatever mix of compacted and uncompacted days there is, the answers must equal the scan's.

const DAYS = ['2024-05-24', '2024-05-25', '2024-05-26'];
const AUTHORS = ['did:plc:alice', 'did:plc:bob', 'did:plc:carol', 'did:plc:dave'];

function corpus(): { posts: PostRow[]; later: PostRow[] } {
  const posts: PostRow[] = [];
  for (let d = 0; d < 3; d++) {
    for (let i = 0; i < 40; i++) {
      const n = d * 100 + i;
      const did = AUTHORS[(i * 7 + d) % AUTHORS.length];
      // Ties on indexed_at (three posts per second slot) exercise the uri tie-break of the keyset.
      const at = T0 + (d - 1) * DAY - 10 * HOUR + Math.floor(i / 3) * 1_000_000 * 60;
      posts.push(
        post(n, { did, indexed_at: at, time_us: at, text: i % 3 === 0 ? `Coffee time ${n}` : `tea break ${n}` }),
      );
    }
  }
  // A late flush for an already compacted day, and a few posts of "today".
  const later = Array.from({ length: 6 }, (_, i) =>
    post(900 + i, {
      did: AUTHORS[i % 2],
      indexed_at: T0 + 5 * HOUR + i,
      time_us: T0 + 5 * HOUR + i,
      text: `late coffee ${i}`,
    }),
  );
  return { posts, later };
}

/** Every answer of the store that the side files could change. */
async function answers(store: PostStore, uris: string[]) {
  const out: Record<string, unknown> = {};
  for (const author of [...AUTHORS, 'did:plc:nobody']) {
    const variants: Omit<SearchArgs, 'first'>[] = [
      { author },
      { author, text: 'coffee' },
      { author, text: 'COFFEE -late' },
      { author, fromUs: T0 - 12 * HOUR, toUs: T0 + 6 * HOUR },
      // A rare part (one post's number): read through its postings, not the author's rows.
      { author, text: 'time 105' },
    ];
    for (const [i, v] of variants.entries()) {
      out[`${author} ${i} full`] = (await store.search({ ...v, first: 1000 })).rows;
      // Pages of 3 concatenate to the full list.
      out[`${author} ${i} paged`] = await pagedUris(store, v, 3);
      // OLDEST reads by-author in the other direction: the exact reverse (two variants: the test's time budget).
      if (i < 2) {
        out[`${author} ${i} oldest`] = await pagedUris(store, { ...v, sort: 'OLDEST' }, 4);
        expect(out[`${author} ${i} oldest`]).toEqual([...(out[`${author} ${i} paged`] as string[])].reverse());
      }
    }
  }
  const found = await store.getByUris(uris);
  out.lookup = [...found.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return out;
}

describe('author search and uri lookup through side files', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-indexed-');
  });
  afterEach(() => tmp.remove());

  it('answers exactly as the scan over uncompacted, compacted and mixed days, under deletes, supersedes and hidden accounts', async () => {
    const { posts, later } = corpus();
    const uris = [...posts, ...later].map((p) => p.uri).concat('at://did:plc:nobody/app.bsky.feed.post/none');
    for (let i = 0; i < posts.length; i += 30) await flush(tmp.path, { posts: posts.slice(i, i + 30) });
    // A replayed flush: the same rows twice before compaction.
    await flush(tmp.path, { posts: posts.slice(0, 10) });
    // Deletes (one on a later day), an update on a later day with its supersede tombstone, an account hidden
    // for good and one hidden then shown again.
    const deleted = [posts[4], posts[45], posts[101]];
    const old = posts[12];
    const updated = edited(old, 'coffee again (edited)');
    await flush(tmp.path, {
      posts: [updated],
      tombstones: [
        tombstone(deleted[0], 'delete', deleted[0].time_us + 5),
        tombstone(deleted[1], 'delete', deleted[1].time_us + DAY),
        tombstone(deleted[2], 'delete', deleted[2].time_us + 5),
        tombstone(old, 'supersede', updated.time_us),
      ],
      accounts: [
        account('did:plc:dave', false, T0 - DAY),
        account('did:plc:carol', false, T0 - DAY),
        account('did:plc:carol', true, T0),
      ],
    });

    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 2, queryTimeoutMs: 20_000 });
    const expected = await answers(store, uris);
    expect((await listPostFiles(tmp.path)).indexed).toEqual([]);
    // Sanity of the reference itself: deleted, superseded and dave's posts are absent, the edit is there.
    const lookup = new Map(expected.lookup as [string, PostRow][]);
    for (const p of deleted) expect(lookup.has(p.uri)).toBe(false);
    expect(lookup.get(old.uri)?.text).toBe('coffee again (edited)');
    expect(posts.some((p) => p.did === 'did:plc:dave' && lookup.has(p.uri))).toBe(false);
    expect(posts.some((p) => p.did === 'did:plc:carol' && lookup.has(p.uri))).toBe(true);

    // Mixed: the first day compacted (side files), the others still flush files.
    await compactDay(tmp.path, DAYS[0], { graceMs: 0 });
    expect((await listPostFiles(tmp.path)).indexed.map((d) => d.date)).toEqual([DAYS[0]]);
    expect(await answers(store, uris)).toEqual(expected);

    // Every day compacted.
    for (const d of DAYS) await compactDay(tmp.path, d, { graceMs: 0 });
    const files = await listPostFiles(tmp.path);
    expect(files.indexed.map((d) => d.date)).toEqual(DAYS);
    expect(files.unindexed).toEqual([]);
    expect(await answers(store, uris)).toEqual(expected);

    // A late flush into a compacted day, a delete arriving after compaction, an account deactivated after it.
    await flush(tmp.path, {
      posts: later,
      tombstones: [tombstone(posts[50], 'delete', T0 + 6 * HOUR)],
      accounts: [account('did:plc:bob', false, T0 + 6 * HOUR)],
    });
    expect((await listPostFiles(tmp.path)).unindexed.length).toBeGreaterThan(0);
    const withLate = await answers(store, uris);
    const lateLookup = new Map(withLate.lookup as [string, PostRow][]);
    expect(lateLookup.has(posts[50].uri)).toBe(false);
    expect(later.filter((p) => lateLookup.has(p.uri)).map((p) => p.did)).toEqual(
      later.filter((p) => p.did !== 'did:plc:bob').map((p) => p.did),
    );
    // The same answers once the late flush is compacted in too.
    await compactDay(tmp.path, DAYS[1], { graceMs: 0 });
    expect((await listPostFiles(tmp.path)).unindexed).toEqual([]);
    expect(await answers(store, uris)).toEqual(withLate);
  });

  it('keeps author searches and lookups whole while compaction swaps files and side files', async () => {
    const { posts } = corpus();
    const day = posts.filter((p) => p.indexed_at >= T0 - 12 * HOUR && p.indexed_at < T0 + 12 * HOUR);
    for (let i = 0; i < day.length; i += 10) await flush(tmp.path, { posts: day.slice(i, i + 10) });
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 3, queryTimeoutMs: 20_000 });
    const byAuthor = (await store.search({ first: 1000, author: 'did:plc:alice' })).rows.map((r) => r.uri);
    const wanted = day.map((p) => p.uri);
    expect(byAuthor.length).toBeGreaterThan(0);
    let stop = false;
    let rounds = 0;
    const reader = async () => {
      while (!stop) {
        expect((await store.search({ first: 1000, author: 'did:plc:alice' })).rows.map((r) => r.uri)).toEqual(byAuthor);
        const first = await store.search({ first: 4, author: 'did:plc:alice' });
        const rest = await store.search({
          first: 1000,
          author: 'did:plc:alice',
          after: postCursor(first.rows[first.rows.length - 1]),
        });
        expect([...first.rows, ...rest.rows].map((r) => r.uri)).toEqual(byAuthor);
        expect([...(await store.getByUris(wanted)).keys()].sort()).toEqual([...wanted].sort());
        rounds++;
      }
    };
    const compactor = async () => {
      try {
        for (let round = 0; round < 4; round++) {
          await flush(tmp.path, { posts: day.slice(round * 5, round * 5 + 8) }); // replayed rows: a new generation
          await compactDay(tmp.path, DAYS[1], { graceMs: 0 });
        }
      } finally {
        stop = true;
      }
    };
    await Promise.all([compactor(), reader(), reader()]);
    expect(rounds).toBeGreaterThan(0);
  });
});
