import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { DuckDbPool } from '../duckdb/pool';
import { rename } from 'node:fs/promises';
import { listPostFiles } from '../layout/list-data-files';
import { partitionDate } from '../layout/partition';
import { DAY, HOUR, T0, account, edited, flush, pagedUris, post, tombstone } from './fixtures.test-util';
import { PostStore, type SearchArgs } from './post-store';
import { planTokenLookup } from './token-reads';

// Text searches read compacted days through their token files (vocabulary + postings of rare tokens) and the rest
// by scan. The token files only narrow where to look, so every answer must equal the scan's.

const DAYS = ['2024-05-24', '2024-05-25', '2024-05-26'];
/** Below the corpus's per-day count of "common" (every post), above every other token's. */
const RARE_MAX_DF = 12;

const TEXTS = [
  'common Coffeeshop opening today',
  'common COFFEE time',
  'common Привет мир',
  'common ПРИВЕТ again',
  'common nunca você vai saber',
  'common você nunca',
  'common #TagRare here',
  'common λογος και ΛΟΓΟΣ', // lower() gives final ς in one, σ in the other
  'common 🎉 party',
  'common tea break',
  'common Averyveryverylongwordthatkeepsgoingandgoing42 ok', // longer than a by-token key
];

function corpus(): PostRow[] {
  const posts: PostRow[] = [];
  for (let d = 0; d < 3; d++) {
    for (let i = 0; i < 40; i++) {
      const n = d * 100 + i;
      // Ties on indexed_at (two posts per slot) exercise the uri tie-break of the keyset.
      const at = T0 + (d - 1) * DAY - 10 * HOUR + Math.floor(i / 2) * 60_000_000;
      posts.push(post(n, { indexed_at: at, time_us: at, text: `${TEXTS[i % TEXTS.length]} ${n}` }));
    }
  }
  return posts;
}

const VARIANTS: Omit<SearchArgs, 'first'>[] = [
  { text: 'coffee' }, // inside a longer token too (coffeeshop)
  { text: 'COFFEE -shop' },
  { text: 'привет' },
  { text: '"nunca você"' },
  { text: '"#tagrare"' }, // quoted: text, not the #tag operator
  { text: 'ΛΟΓΟΣ' }, // final sigma in the text
  { text: 'common coffee' }, // one common term, one rare
  { text: 'common' }, // only common: scanned
  { text: '🎉' }, // no letter or digit: scanned
  { text: 'zzznotthere' },
  { text: 'GOINGANDGOING42' },
  { text: 'coffee', fromUs: T0 - 12 * HOUR, toUs: T0 + 6 * HOUR },
];

/** Every answer of the store that the token files could change: full lists, pages of 3, counts. */
async function answers(store: PostStore) {
  const out: Record<string, unknown> = {};
  for (const [i, v] of VARIANTS.entries()) {
    out[`${i} full`] = (await store.search({ ...v, first: 1000 })).rows;
    // Pages of 3 concatenate to the full list.
    out[`${i} paged`] = await pagedUris(store, v, 3);
    // OLDEST walks the days and their postings the other way: the exact reverse.
    out[`${i} oldest`] = await pagedUris(store, { ...v, sort: 'OLDEST' }, 3);
    expect(out[`${i} oldest`]).toEqual([...(out[`${i} paged`] as string[])].reverse());
    out[`${i} count`] = (await store.count(v)).count;
  }
  return out;
}

describe('text search through token files', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-tokens-');
  });
  afterEach(() => tmp.remove());

  it('answers exactly as the scan over uncompacted, compacted and mixed days, under deletes, supersedes and hidden accounts', async () => {
    const posts = corpus();
    for (let i = 0; i < posts.length; i += 25) await flush(tmp.path, { posts: posts.slice(i, i + 25) });
    await flush(tmp.path, { posts: posts.slice(0, 8) }); // a replayed flush
    const old = posts[41];
    const updated = edited(old, 'coffee edited');
    await flush(tmp.path, {
      posts: [updated],
      tombstones: [tombstone(posts[1], 'delete', posts[1].time_us + 5), tombstone(old, 'supersede', updated.time_us)],
      accounts: [account(posts[13].did, false, T0 - 2 * DAY)],
    });

    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 2, queryTimeoutMs: 20_000 });
    const expected = await answers(store);
    // Sanity of the reference: the deleted and superseded posts are absent, the edit is found, counts add up.
    const coffee = (expected['0 full'] as PostRow[]).map((p) => p.uri);
    expect(coffee).not.toContain(posts[1].uri);
    expect(coffee).toContain(updated.uri);
    expect((expected['0 full'] as PostRow[]).find((p) => p.uri === updated.uri)?.text).toBe('coffee edited');
    expect(expected['0 count']).toBe(coffee.length);
    expect(coffee.length).toBeGreaterThan(10);
    expect((expected['9 full'] as PostRow[]).length).toBe(0);

    // Mixed: the first day compacted with token files, the others still flush files.
    await compactDay(tmp.path, DAYS[0], { graceMs: 0, rareTokenMaxDf: RARE_MAX_DF });
    expect((await listPostFiles(tmp.path)).indexed.map((d) => [d.date, !!d.tokens])).toEqual([[DAYS[0], true]]);
    expect(await answers(store)).toEqual(expected);

    // Every day compacted, then a late flush into a compacted day and a delete arriving after compaction.
    for (const d of DAYS) await compactDay(tmp.path, d, { graceMs: 0, rareTokenMaxDf: RARE_MAX_DF });
    expect(await answers(store)).toEqual(expected);
    const late = post(999, { indexed_at: T0 + HOUR, time_us: T0 + HOUR, text: 'late COFFEE' });
    const gone = posts.find((p) => p.text.includes('COFFEE') && coffee.includes(p.uri)) as PostRow;
    await flush(tmp.path, { posts: [late], tombstones: [tombstone(gone, 'delete', T0 + 2 * HOUR)] });
    const after = (await store.search({ text: 'coffee', first: 1000 })).rows.map((r) => r.uri);
    expect(new Set(after)).toEqual(new Set([late.uri, ...coffee.filter((u) => u !== gone.uri)]));
    expect(after).toHaveLength(coffee.length);
    expect((await store.count({ text: 'coffee' })).count).toBe(coffee.length); // one in, one out
  });

  it('plans a lookup through the rarest usable part, and none when a common token or no letter is involved', async () => {
    const posts = corpus();
    await flush(tmp.path, { posts });
    for (const d of DAYS) await compactDay(tmp.path, d, { graceMs: 0, rareTokenMaxDf: RARE_MAX_DF });
    const days = (await listPostFiles(tmp.path)).indexed;
    await using pool = await DuckDbPool.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const plan = (text: string) => pool.use('search', (s) => planTokenLookup(s, days, text));

    const coffee = await plan('COFFEE');
    // "coffee" and "coffeeshop" on each day; 4 of every 40 posts hold one of them.
    expect(coffee?.part).toBe('coffee');
    expect([...(coffee?.keys.values() ?? [])].map((t) => [...t].sort())).toEqual(
      DAYS.map(() => ['coffee', 'coffeeshop']),
    );
    expect(coffee?.postings).toBe(3 * 8);
    expect((await plan('common coffee'))?.part).toBe('coffee');
    expect((await plan('ΛΟΓΟΣ'))?.keys.get(DAYS[0])?.sort()).toEqual(['λογος', 'λογοσ']);
    expect((await plan('"nunca você"'))?.part).toMatch(/^(nunca|você)$/);
    expect(await plan('common')).toBeUndefined();
    // A common part gives the scan its density: "common" is in all 40 posts of each day.
    const hints: { commonDf?: number } = {};
    expect(await pool.use('search', (s) => planTokenLookup(s, days, 'common "nunca você"', hints))).toBeDefined();
    expect(hints.commonDf).toBe(3 * 40);
    expect(await plan('mon')).toBeUndefined(); // held by the common token "common"
    expect(await plan('🎉')).toBeUndefined();
    expect(await plan('-coffee')).toBeUndefined();
    const none = await plan('zzznotthere');
    expect(none?.postings).toBe(0);
    expect([...(none?.keys.values() ?? [])]).toEqual([[], [], []]);

    // The search really goes through the postings: with "coffee" and "coffeeshop" taken out of the first day's,
    // that day's posts holding them are no longer found.
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const onFirstDay = (rows: PostRow[]) =>
      rows.filter((r) => partitionDate(r.indexed_at) === DAYS[0]).map((r) => r.text);
    const before = onFirstDay((await store.search({ text: 'coffee', first: 1000 })).rows);
    expect(before.some((t) => t.startsWith('common COFFEE'))).toBe(true);
    const postings = days[0].tokens?.postings as string;
    await pool.use('search', (s) =>
      s.all(
        `COPY (SELECT * FROM read_parquet('${postings}') WHERE key NOT IN ('coffee', 'coffeeshop')) TO '${postings}.tmp' (FORMAT parquet)`,
      ),
    );
    await rename(`${postings}.tmp`, postings);
    const after = onFirstDay((await store.search({ text: 'coffee', first: 1000 })).rows);
    expect(after).toEqual([]);
    // Still there, and found through the postings of "time" (the rarer part of this text).
    expect(onFirstDay((await store.search({ text: 'COFFEE time', first: 1000 })).rows)).toEqual(
      before.filter((t) => t.startsWith('common COFFEE')),
    );
  });
});
