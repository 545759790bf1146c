import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../../compaction/compact-day';
import { listPostFiles } from '../../layout/list-data-files';
import { DAY, HOUR, T0, flush, post } from '../fixtures.test-util';
import { PostStore, type SearchArgs } from '../post-store';
import type { PostColumnName } from '../post-sql';

// Every strategy (scan, token index, author index) reads back only the columns asked for, and returns the same
// posts in the same order, with the same values in those columns, as a read of every column.

const ASKED: PostColumnName[] = ['text', 'langs'];
const KEYS = ['uri', 'indexed_at', 'did', 'time_us'] as const;

describe('search reads back only the asked columns', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: PostStore;

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-projection-');
    const rows: PostRow[] = [];
    for (let i = 0; i < 60; i++) {
      const at = T0 - DAY + i * HOUR;
      rows.push(post(i, { indexed_at: at, time_us: at, text: `${i % 15 ? 'plain' : 'Zanzibar'} words ${i}` }));
    }
    await flush(tmp.path, { posts: rows });
    await compactDay(tmp.path, '2024-05-24', { graceMs: 0, rareTokenMaxDf: 5 });
    expect((await listPostFiles(tmp.path)).indexed.map((d) => Boolean(d.tokens))).toEqual([true]);
    store = await PostStore.create({ dataDir: tmp.path, queryTimeoutMs: 30_000 });
  });

  afterAll(async () => {
    await store?.close();
    await tmp?.remove();
  });

  const cases: [string, Omit<SearchArgs, 'first'>][] = [
    ['scan', {}],
    ['token index', { text: 'zanzibar' }],
    ['author index', { author: 'did:plc:author2' }],
  ];
  it.each(cases)('%s', async (_name, args) => {
    const full = (await store.search({ ...args, first: 1000 })).rows;
    const projected = (await store.search({ ...args, first: 1000, columns: ASKED })).rows;
    expect(full.length).toBeGreaterThan(0);
    const pick = (r: PostRow, cols: readonly string[]) =>
      Object.fromEntries(cols.map((c) => [c, r[c as keyof PostRow]]));
    expect(projected.map((r) => pick(r, [...KEYS, ...ASKED]))).toEqual(full.map((r) => pick(r, [...KEYS, ...ASKED])));
    // Columns not asked for were not read.
    expect(projected.every((r) => r.cid === '' && r.rkey === '')).toBe(true);
    expect(full.every((r) => r.cid !== '')).toBe(true);
  });
});
