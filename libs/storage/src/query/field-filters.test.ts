import { makeTempDir } from '@bsky-explorer/testing';
import { FILTERS, expectedUris, writeCorpus, type Corpus } from './field-fixtures.test-util';
import { FilterError, UnknownHandleError } from './filter';
import { pagedUris } from './fixtures.test-util';
import { readFile } from 'node:fs/promises';
import { PostStore, postCursor } from './post-store';
import type { PostSort } from './post-sql';

// lang, tag, mentions, domain, url (as arguments and as text syntax) and sort OLDEST: search pages, cursors and
// counts equal the oracle's full scan of the same rows (field-fixtures), over compacted days with side files and
// flush files, under deletes, an edit and a hidden account.

describe('field filters', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let corpus: Corpus;
  let store: PostStore;
  let bounded: PostStore;
  let authorBounded: PostStore;

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-filters-');
    corpus = await writeCorpus(tmp.path, 6);
    store = await PostStore.create({ dataDir: tmp.path, queryTimeoutMs: 30_000 });
    // Every count over the limit: the estimate and index paths are taken.
    bounded = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 30_000,
      countLimits: { exactScanRows: 20, sampleRows: 30 },
    });
    // The flush files (55 rows) under the limit, the whole corpus over it: an author's count reads by-author.
    authorBounded = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 30_000,
      countLimits: { exactScanRows: 60, sampleRows: 30 },
    });
  });

  afterAll(async () => {
    await store?.close();
    await bounded?.close();
    await authorBounded?.close();
    await tmp?.remove();
  });

  it('the corpus makes every filter select some posts and leave others out', () => {
    const all = expectedUris(corpus, {}).length;
    for (const f of FILTERS) {
      const n = expectedUris(corpus, f).length;
      expect({ f, some: n > 0 && n < all }).toEqual({ f, some: true });
    }
  });

  const sorts: PostSort[] = ['LATEST', 'OLDEST'];
  it.each(sorts)('search equals the full scan, whole and in pages of 4, sorted %s', async (sort) => {
    for (const f of FILTERS) {
      const want = expectedUris(corpus, f, sort);
      const whole = (await store.search({ ...f, sort, first: 1000 })).rows.map((r) => r.uri);
      expect({ f, whole }).toEqual({ f, whole: want });
      expect({ f, paged: await pagedUris(store, { ...f, sort }, 4) }).toEqual({ f, paged: want });
    }
  });

  it('counts equal the full scan; a bounded count says exact only when it is', async () => {
    for (const f of FILTERS) {
      const want = expectedUris(corpus, f).length;
      expect({ f, count: await store.count(f) }).toEqual({ f, count: { count: want, exact: true } });
      const got = await bounded.count(f);
      if (got.exact) expect({ f, count: got.count }).toEqual({ f, count: want });
    }
    // A field filter cannot be answered from the by-author rows alone or the token dfs: an estimate when the
    // flush files are too many to scan, not a wrong exact count.
    expect((await bounded.count({ author: 'did:plc:author1', tags: ['cats'] })).exact).toBe(false);
    // With few flush rows, an author's rows are read back from by-author and checked: exact.
    for (const f of FILTERS.filter((x) => x.author !== undefined || x.text?.includes('from:'))) {
      const want = expectedUris(corpus, f).length;
      expect({ f, count: await authorBounded.count(f) }).toEqual({ f, count: { count: want, exact: true } });
    }
    expect((await authorBounded.count({ tags: ['cats'] })).exact).toBe(false);
  });

  it('exports the same rows in either order', async () => {
    for (const sort of sorts) {
      const f = { langs: ['en'], tags: ['cats'] };
      const out = `${tmp.path}/export-${sort}.csv`;
      const { rowCount } = await store.exportCsv({ ...f, sort, limit: 5 }, out);
      const want = expectedUris(corpus, f, sort).slice(0, 5);
      expect(rowCount).toBe(want.length);
      const csv = await readFile(out, 'utf8');
      const uris = csv
        .split('\r\n')
        .slice(1, -1)
        .map((line) => line.split(',')[0]);
      expect(uris).toEqual(want);
    }
  });

  it('refuses bad values with a FilterError naming the argument', async () => {
    const bad: [object, string][] = [
      [{ langs: ['english!'] }, 'lang'],
      [{ tags: ['two words'] }, 'tag'],
      [{ tags: ['#'] }, 'tag'],
      [{ mentions: 'alice.bsky.social' }, 'mentions'],
      [{ mentions: 'not an account' }, 'mentions'],
      [{ domain: 'not a host' }, 'domain'],
      [{ url: 'example.com/x' }, 'url'],
      [{ text: 'from:alice.bsky.social' }, 'text'],
      [{ text: 'lang:en', langs: ['pt'] }, 'text'],
      [{ text: 'domain:a.com', domain: 'b.com' }, 'text'],
      [{ tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }, 'tag'],
    ];
    for (const [f, argument] of bad) {
      const err = await store.search({ ...f, first: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FilterError);
      expect({ f, argument: (err as FilterError).argument }).toEqual({ f, argument });
    }
    const handle = await store.count({ mentions: 'alice.bsky.social' }).catch((e: unknown) => e);
    expect(handle).toBeInstanceOf(UnknownHandleError);
    expect(String(handle)).toMatch(/unknown handle "alice.bsky.social" in mentions: not seen in identity events/);
  });

  it('refuses a cursor of the other sort', async () => {
    const page = await store.search({ langs: ['en'], first: 2, sort: 'OLDEST' });
    const after = postCursor(page.rows[1], 'OLDEST');
    await expect(store.search({ langs: ['en'], first: 2, after })).rejects.toThrow(/sort: OLDEST/);
    expect((await store.search({ langs: ['en'], first: 2, after, sort: 'OLDEST' })).rows).toHaveLength(2);
  });
});
