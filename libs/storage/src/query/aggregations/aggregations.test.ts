import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import {
  FILTERS,
  hostsOf,
  langsOf,
  matches,
  tagsOf,
  visibleRows,
  writeCorpus,
  type Corpus,
} from '../field-fixtures.test-util';
import { FilterError } from '../filter';
import { DAY, HOUR, T0, flush, post } from '../fixtures.test-util';
import { DuckDbPool } from '../../duckdb/pool';
import { listDataFiles, listPostFiles } from '../../layout/list-data-files';
import { RowCounts } from '../count/row-counts';
import { PostStore } from '../post-store';
import { SqlParams, type FileSets } from '../post-sql';
import { narrowedCandidates } from './narrowed-candidates';
import type { PostFilter } from '../post-sql';
import { INTERVAL_US, MAX_VOLUME_BUCKETS, type VolumeInterval } from './post-volume';
import type { FacetKind } from './top-facets';

// postVolume and the top facets equal the oracle's count over the same rows (field-fixtures: compacted days with
// side files and flush files, a replayed flush, deletes, an edit, a hidden account), for every filter.

const FACETS: Record<FacetKind, (r: PostRow) => string[]> = {
  tags: tagsOf,
  domains: hostsOf,
  langs: langsOf,
  authors: (r) => [r.did],
};

describe('aggregations', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let corpus: Corpus;
  let store: PostStore;
  /** Limits that rule out the narrowed reads (by-author, postings): every aggregate scans. */
  let scanning: PostStore;

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-aggregations-');
    corpus = await writeCorpus(tmp.path, 6);
    store = await PostStore.create({ dataDir: tmp.path, queryTimeoutMs: 30_000 });
    scanning = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 30_000,
      countLimits: { exactScanRows: 20 },
    });
  });

  afterAll(async () => {
    await store?.close();
    await scanning?.close();
    await tmp?.remove();
  });

  const hits = (f: PostFilter) => visibleRows(corpus).filter((r) => matches(r, f));

  function expectedVolume(f: PostFilter, interval: VolumeInterval) {
    const w = INTERVAL_US[interval];
    const counts = new Map<number, number>();
    for (const r of hits(f)) {
      const b = r.indexed_at - (r.indexed_at % w);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    const starts = [...counts.keys()].sort((a, b) => a - b);
    if (starts.length === 0 && (f.fromUs === undefined || f.toUs === undefined)) return [];
    const from = f.fromUs ?? starts[0];
    const to = f.toUs ?? starts[starts.length - 1] + 1;
    const out = [];
    for (let b = from - (from % w); b < to; b += w) out.push({ startUs: b, count: counts.get(b) ?? 0, exact: true });
    return out;
  }

  function expectedTop(f: PostFilter, facet: FacetKind, first: number) {
    const counts = new Map<string, number>();
    for (const r of hits(f)) for (const v of FACETS[facet](r)) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts]
      .map(([value, count]) => ({ value, count, exact: true }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
      .slice(0, first);
  }

  /** The two compacted days only: no flush file in range, so posts are counted without a distinct. */
  const COMPACTED = { fromUs: T0 - DAY - 12 * HOUR, toUs: T0 + 12 * HOUR };
  const WITH_NONE: PostFilter[] = [
    {},
    { text: 'common' },
    { text: 'zzznothing' },
    COMPACTED,
    { ...COMPACTED, tags: ['cats'] },
    { ...COMPACTED, text: 'common' },
    ...FILTERS,
  ];

  it.each(['HOUR', 'DAY'] as VolumeInterval[])('postVolume by %s equals the full scan', async (interval) => {
    for (const f of WITH_NONE) {
      const want = expectedVolume(f, interval);
      expect({ f, got: await store.postVolume(f, interval) }).toEqual({ f, got: want });
      expect({ f, scanned: await scanning.postVolume(f, interval) }).toEqual({ f, scanned: want });
    }
    // Empty buckets inside a closed range, at both ends too.
    const range = { fromUs: T0 - 2 * DAY, toUs: T0 + 2 * DAY };
    const got = await store.postVolume({ ...range, tags: ['dogs'] }, interval);
    expect(got).toEqual(expectedVolume({ ...range, tags: ['dogs'] }, interval));
    expect(got.some((b) => b.count === 0)).toBe(true);
    // Buckets are UTC-aligned: the first one holds the range's start.
    expect(got[0].startUs).toBe(range.fromUs - (range.fromUs % INTERVAL_US[interval]));
  });

  it('postVolume by MINUTE needs a closed range and bounds the bucket count', async () => {
    const range = { fromUs: T0 - 11 * HOUR, toUs: T0 - 7 * HOUR };
    const got = await store.postVolume({ ...range, langs: ['en'] }, 'MINUTE');
    expect(got).toEqual(expectedVolume({ ...range, langs: ['en'] }, 'MINUTE'));
    expect(got).toHaveLength(240);
    await expect(store.postVolume({}, 'MINUTE')).rejects.toThrow(/needs a dateRange with from and to/);
    const long = { fromUs: T0, toUs: T0 + (MAX_VOLUME_BUCKETS + 1) * INTERVAL_US.MINUTE };
    const err = await store.postVolume(long, 'MINUTE').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).argument).toBe('interval');
    expect((await store.postVolume({}, 'HOUR')).length).toBeLessThanOrEqual(MAX_VOLUME_BUCKETS);
    // A closed range without any data file still has its (empty) buckets.
    const before = { fromUs: T0 - 30 * DAY, toUs: T0 - 30 * DAY + 3 * HOUR };
    expect(await store.postVolume(before, 'HOUR')).toEqual(
      [0, 1, 2].map((h) => ({ startUs: before.fromUs + h * HOUR, count: 0, exact: true })),
    );
  });

  it.each(Object.keys(FACETS) as FacetKind[])('top %s equals the full scan', async (facet) => {
    for (const f of WITH_NONE) {
      for (const first of [3, 100]) {
        const got = await store.topFacets(f, facet, first);
        expect({ f, first, got }).toEqual({ f, first, got: expectedTop(f, facet, first) });
      }
      expect({ f, scanned: await scanning.topFacets(f, facet, 3) }).toEqual({ f, scanned: expectedTop(f, facet, 3) });
    }
    // The corpus has values for each facet, hidden and edited posts' values included in the rows.
    expect(expectedTop({}, facet, 100).length).toBeGreaterThan(1);
  });

  it('leaves out hidden posts: the hidden author, a deleted post, the old version of the edit', async () => {
    const authors = (await store.topFacets({}, 'authors', 100)).map((f) => f.value);
    expect(authors).not.toContain(corpus.hidden.values().next().value);
    const tags = await store.topFacets({}, 'tags', 100);
    expect(tags.find((t) => t.value === 'edited')?.count).toBe(1);
    const total = (await store.postVolume({}, 'DAY')).reduce((a, b) => a + b.count, 0);
    expect(total).toBe(visibleRows(corpus).length);
    expect(total).toBeLessThan(new Set(corpus.rows.map((r) => r.uri)).size);
    const timings: Record<string, number> = {};
    await store.topFacets({}, 'langs', 3, timings);
    expect(Object.keys(timings)).toEqual(expect.arrayContaining(['listing', 'aggregate']));
  });

  it('answers a repeated aggregation from the result cache until the files change', async () => {
    const queries: unknown[] = [];
    const cached = await PostStore.create({
      dataDir: tmp.path,
      queryTimeoutMs: 30_000,
      resultCacheSize: 16,
      onQuery: (q) => queries.push(q),
    });
    try {
      const range = { fromUs: T0 + DAY - 11 * HOUR, toUs: T0 + DAY - 9 * HOUR };
      const volume = await cached.postVolume({ ...range, tags: ['fresh'] }, 'HOUR');
      const tags = await cached.topFacets({ tags: ['fresh'] }, 'tags', 5);
      expect(volume.map((b) => b.count)).toEqual([0, 0]);
      expect(tags).toEqual([]);
      const ran = queries.length;
      expect(await cached.postVolume({ ...range, tags: ['fresh'] }, 'HOUR')).toEqual(volume);
      expect(await cached.topFacets({ tags: ['fresh'] }, 'tags', 5)).toEqual(tags);
      expect(queries.length).toBe(ran);
      // A new flush is a new file set: the next answer sees it.
      await flush(tmp.path, {
        posts: [post(900, { indexed_at: range.fromUs, time_us: range.fromUs, tags: ['Fresh'] })],
      });
      expect((await cached.postVolume({ ...range, tags: ['fresh'] }, 'HOUR')).map((b) => b.count)).toEqual([1, 0]);
      expect(await cached.topFacets({ tags: ['fresh'] }, 'tags', 5)).toEqual([
        { value: 'fresh', count: 1, exact: true },
      ]);
    } finally {
      await cached.close();
    }
  });

  it('reads an author or a rare word through the side files, a common word by scan', async () => {
    const posts = await listPostFiles(tmp.path);
    const files: FileSets = {
      posts: posts.all,
      indexed: posts.indexed,
      unindexed: posts.unindexed,
      tombstones: await listDataFiles(tmp.path, 'tombstones'),
      accounts: await listDataFiles(tmp.path, 'accounts'),
    };
    const pool = await DuckDbPool.create({ dataDir: tmp.path, queryTimeoutMs: 30_000 });
    try {
      const narrowed = (f: PostFilter) =>
        pool.use('count', (session) => narrowedCandidates(session, new SqlParams(), files, f, new RowCounts()));
      // Candidates read back by their indexed_at, then the flush files scanned.
      const byKey = 'p.indexed_at IN (';
      expect((await narrowed({ author: 'did:plc:author1', tags: ['cats'] }))?.select).toContain(byKey);
      expect((await narrowed({ text: 'coffee', langs: ['en'] }))?.select).toContain(byKey);
      expect(await narrowed({ text: 'common' })).toBeUndefined();
      expect(await narrowed({ tags: ['cats'] })).toBeUndefined();
    } finally {
      await pool.close();
    }
  });
});
