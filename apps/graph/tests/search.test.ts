import { formatDatetimeUs as formatUsToIso, type PostRow, type TableRow } from '@bsky-explorer/schema';
import {
  asPosts,
  DAY_US,
  newestFirst,
  post,
  SEARCH,
  searchUris,
  startTestGraph,
  T0,
  writeRows,
  type SearchData,
  type TestGraph,
} from './_util';

const HOUR_US = 3_600_000_000;

// A small corpus over three days, with ties on indexed_at, several scripts, and SQL/LIKE metacharacters.
const bob = 'did:plc:bob';
const carol = 'did:web:carol.example.com';
const rows: PostRow[] = [
  post({ rkey: 'a1', text: 'Hello world from the explorer', indexed_at: T0 + 1 * HOUR_US }),
  post({ rkey: 'a2', text: 'hello WORLD again', indexed_at: T0 + 2 * HOUR_US, did: bob }),
  post({ rkey: 'a3', text: 'world hello reversed', indexed_at: T0 + 3 * HOUR_US, did: carol }),
  post({ rkey: 'a4', text: 'only hello here', indexed_at: T0 + 4 * HOUR_US }),
  post({ rkey: 'j1', text: '東京タワーに行きました', indexed_at: T0 + DAY_US + 1 * HOUR_US, did: bob }),
  post({ rkey: 'j2', text: '大阪は楽しい', indexed_at: T0 + DAY_US + 2 * HOUR_US }),
  post({ rkey: 'c1', text: 'Привет, МОСКВА!', indexed_at: T0 + DAY_US + 3 * HOUR_US }),
  post({ rkey: 'c2', text: 'я люблю москву', indexed_at: T0 + DAY_US + 4 * HOUR_US, did: carol }),
  post({ rkey: 'g1', text: 'ΟΔΥΣΣΕΥΣ returns', indexed_at: T0 + DAY_US + 5 * HOUR_US }),
  post({ rkey: 'e1', text: 'party time 🎉🎉', indexed_at: T0 + 2 * DAY_US + 1 * HOUR_US }),
  post({ rkey: 'e2', text: 'no party 🎈', indexed_at: T0 + 2 * DAY_US + 2 * HOUR_US }),
  post({ rkey: 'p1', text: '100% sure', indexed_at: T0 + 2 * DAY_US + 3 * HOUR_US }),
  post({ rkey: 'p2', text: '1000 sure', indexed_at: T0 + 2 * DAY_US + 4 * HOUR_US }),
  post({ rkey: 'u1', text: 'snake_case name', indexed_at: T0 + 2 * DAY_US + 5 * HOUR_US }),
  post({ rkey: 'u2', text: 'snakeXcase name', indexed_at: T0 + 2 * DAY_US + 6 * HOUR_US }),
  post({ rkey: 'b1', text: 'C:\\path\\file', indexed_at: T0 + 2 * DAY_US + 7 * HOUR_US }),
  post({ rkey: 'q1', text: 'the quick brown fox', indexed_at: T0 + 2 * DAY_US + 8 * HOUR_US }),
  post({ rkey: 'q2', text: 'the brown quick fox', indexed_at: T0 + 2 * DAY_US + 9 * HOUR_US }),
  post({ rkey: 's1', text: "it's ' OR 1=1 -- literally", indexed_at: T0 + 2 * DAY_US + 10 * HOUR_US }),
  post({ rkey: 's2', text: 'Robert"); DROP TABLE posts;--', indexed_at: T0 + 2 * DAY_US + 11 * HOUR_US }),
  // Ties: the same indexed_at, ordered by uri.
  ...['t1', 't2', 't3', 't4'].map((rkey) =>
    post({ rkey, text: `tie ${rkey}`, indexed_at: T0 + 2 * DAY_US + 12 * HOUR_US }),
  ),
];
// Hidden: a deleted post, the old version of an updated post, and a deactivated author's post.
const deleted = post({ rkey: 'x1', text: 'hello deleted', indexed_at: T0 + 5 * HOUR_US });
const oldVersion = post({ rkey: 'v1', text: 'hello version one', indexed_at: T0 + 6 * HOUR_US });
const newVersion = {
  ...oldVersion,
  text: 'hello version two',
  cid: 'bafyv1b',
  indexed_at: T0 + 7 * HOUR_US,
  time_us: T0 + 7 * HOUR_US,
  operation: 'update' as const,
};
const gone = post({
  rkey: 'z1',
  did: 'did:plc:gone',
  text: 'hello from a deactivated account',
  indexed_at: T0 + 8 * HOUR_US,
});
const visible = [...rows, newVersion];
const tableRows: TableRow[] = [
  ...asPosts([...rows, deleted, oldVersion, newVersion, gone]),
  {
    table: 'tombstones',
    row: {
      uri: deleted.uri,
      did: deleted.did,
      rkey: 'x1',
      rev: 'r',
      kind: 'delete',
      indexed_at: T0 + 9 * HOUR_US,
      time_us: T0 + 9 * HOUR_US,
    },
  },
  {
    table: 'tombstones',
    row: {
      uri: oldVersion.uri,
      did: oldVersion.did,
      rkey: 'v1',
      rev: 'r',
      kind: 'supersede',
      indexed_at: newVersion.indexed_at,
      time_us: newVersion.time_us,
    },
  },
  {
    table: 'accounts',
    row: {
      did: 'did:plc:gone',
      active: false,
      status: 'deactivated',
      indexed_at: T0 + 10 * HOUR_US,
      time_us: T0 + 10 * HOUR_US,
    },
  },
];
const uriOf = (rkey: string, did = 'did:plc:alice') => `at://${did}/app.bsky.feed.post/${rkey}`;
const iso = formatUsToIso;

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(tableRows);
});
afterAll(() => t.close());

describe('searchPosts over real Parquet', () => {
  it('returns every visible post newest first, ties by uri, each once', async () => {
    expect(await searchUris(t, {})).toEqual(newestFirst(visible));
  });

  it('pages of 2 concatenate to the same list as one page of 1000', async () => {
    const all = await searchUris(t, { first: 1000 });
    const paged: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await t.gql<SearchData>(SEARCH, { first: 2, after });
      expect(res.errors).toBeUndefined();
      const { edges, pageInfo } = res.data!.searchPosts;
      expect(edges.length).toBeLessThanOrEqual(2);
      expect(pageInfo.hasPreviousPage).toBe(after !== undefined);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
      paged.push(...edges.map((e) => e.node.uri));
      pages++;
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor!;
    }
    expect(paged).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 2));
  });

  it('pages through a filtered search with the same filters', async () => {
    const all = await searchUris(t, { text: 'hello' });
    const first = await t.gql<SearchData>(SEARCH, { text: 'hello', first: 3 });
    const rest = await t.gql<SearchData>(SEARCH, {
      text: 'hello',
      first: 1000,
      after: first.data!.searchPosts.pageInfo.endCursor,
    });
    expect([...first.data!.searchPosts.edges, ...rest.data!.searchPosts.edges].map((e) => e.node.uri)).toEqual(all);
  });

  it('requires every word, in any order and case', async () => {
    expect(await searchUris(t, { text: 'HELLO world' })).toEqual([uriOf('a3', carol), uriOf('a2', bob), uriOf('a1')]);
    expect(await searchUris(t, { text: 'quick fox' })).toEqual([uriOf('q2'), uriOf('q1')]);
  });

  it('matches "phrases" in straight and curly quotes as written', async () => {
    expect(await searchUris(t, { text: '"quick brown"' })).toEqual([uriOf('q1')]);
    expect(await searchUris(t, { text: '“brown quick”' })).toEqual([uriOf('q2')]);
    expect(await searchUris(t, { text: '"hello world"' })).toEqual([uriOf('a2', bob), uriOf('a1')]);
  });

  it('excludes -words', async () => {
    expect(await searchUris(t, { text: 'hello -world' })).toEqual([uriOf('v1'), uriOf('a4')]);
    expect(await searchUris(t, { text: 'fox -"quick brown"' })).toEqual([uriOf('q2')]);
  });

  it('treats % _ and \\ as literal characters', async () => {
    expect(await searchUris(t, { text: '100%' })).toEqual([uriOf('p1')]);
    expect(await searchUris(t, { text: 'snake_case' })).toEqual([uriOf('u1')]);
    expect(await searchUris(t, { text: '\\path\\' })).toEqual([uriOf('b1')]);
    expect(await searchUris(t, { text: '%' })).toEqual([uriOf('p1')]);
  });

  it('handles Japanese, Cyrillic and Greek case folding, and emoji', async () => {
    expect(await searchUris(t, { text: '東京' })).toEqual([uriOf('j1', bob)]);
    expect(await searchUris(t, { text: 'москва' })).toEqual([uriOf('c1')]);
    expect(await searchUris(t, { text: 'МОСКВ' })).toEqual([uriOf('c2', carol), uriOf('c1')]);
    expect(await searchUris(t, { text: 'одиссей' })).toEqual([]);
    expect(await searchUris(t, { text: 'οδυσσευς' })).toEqual([uriOf('g1')]);
    expect(await searchUris(t, { text: '🎉' })).toEqual([uriOf('e1')]);
    expect(await searchUris(t, { text: 'party -🎉' })).toEqual([uriOf('e2')]);
  });

  it('filters on indexedAt: from inclusive, to exclusive, open ends, any offset', async () => {
    const day2 = await searchUris(t, { dateRange: { from: iso(T0 + DAY_US), to: iso(T0 + 2 * DAY_US) } });
    expect(day2).toEqual(
      newestFirst(visible.filter((r) => r.indexed_at >= T0 + DAY_US && r.indexed_at < T0 + 2 * DAY_US)),
    );
    expect(day2).toHaveLength(5);
    // Boundaries: a post exactly at `from` is in, one exactly at `to` is out.
    const at = T0 + 2 * HOUR_US;
    expect(await searchUris(t, { dateRange: { from: iso(at), to: iso(at + 1) } })).toEqual([uriOf('a2', bob)]);
    expect(await searchUris(t, { dateRange: { from: iso(at - 1), to: iso(at) } })).toEqual([]);
    expect(await searchUris(t, { dateRange: { from: '2024-05-03' } })).toHaveLength(
      visible.filter((r) => r.indexed_at >= T0 + 2 * DAY_US).length,
    );
    expect(await searchUris(t, { dateRange: { to: '2024-05-01T03:00:00+01:00' } })).toEqual([uriOf('a1')]);
    expect(await searchUris(t, { dateRange: { from: '2023-01-01', to: '2023-01-02' } })).toEqual([]);
  });

  it('filters by author DID, combined with text and dates', async () => {
    expect(await searchUris(t, { author: bob })).toEqual([uriOf('j1', bob), uriOf('a2', bob)]);
    expect(await searchUris(t, { author: carol, text: 'москву' })).toEqual([uriOf('c2', carol)]);
    expect(await searchUris(t, { author: bob, dateRange: { from: iso(T0 + DAY_US) } })).toEqual([uriOf('j1', bob)]);
    expect(await searchUris(t, { author: 'did:plc:nobody' })).toEqual([]);
  });

  it('never returns deleted posts, superseded versions or posts of deactivated accounts', async () => {
    const res = await t.gql<SearchData>(SEARCH, { text: 'hello', first: 1000 });
    const texts = res.data!.searchPosts.edges.map((e) => e.node.text);
    expect(texts).toContain('hello version two');
    expect(texts).not.toContain('hello version one');
    expect(texts).not.toContain('hello deleted');
    expect(texts).not.toContain('hello from a deactivated account');
  });

  it('computes totalCount only when selected', async () => {
    t.queries.length = 0;
    await searchUris(t, { text: 'hello' });
    expect(t.queries.map((q) => q.kind)).toEqual(['search']);
    t.queries.length = 0;
    const res = await t.gql<{ searchPosts: { totalCount: number; edges: unknown[] } }>(
      'query($text: String) { searchPosts(text: $text, first: 1) { totalCount edges { cursor } } }',
      { text: 'hello' },
    );
    expect(res.data!.searchPosts).toEqual({ totalCount: 5, edges: [expect.anything()] });
    expect(t.queries.map((q) => q.kind).sort()).toEqual(['count', 'search']);
  });

  it('serialises a post with every field', async () => {
    const full = post({
      rkey: 'full',
      text: 'full post',
      indexed_at: T0 + 123_456,
      created_at: T0 + 100,
      langs: ['en', 'ja'],
      embed_kind: 'external',
      external_uri: 'https://example.com/x',
      mentions: ['did:plc:bob'],
      tags: ['tag1'],
      links: ['https://example.com/l'],
      labels: ['porn'],
      reply_parent_uri: uriOf('a1'),
      reply_root_uri: uriOf('a1'),
    });
    const t2 = await startTestGraph(asPosts([full]));
    try {
      const res = await t2.gql<{ post: Record<string, unknown> }>(
        `query($uri: String!) { post(uri: $uri) { uri cid authorDid text createdAt indexedAt langs replyParentUri replyRootUri
           quotedUri embedKind externalUri mentions tags links labels replyParent { uri } quoted { uri } } }`,
        { uri: full.uri },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.post).toEqual({
        uri: full.uri,
        cid: 'bafyfull',
        authorDid: 'did:plc:alice',
        text: 'full post',
        createdAt: '2024-05-01T00:00:00.000100Z',
        indexedAt: '2024-05-01T00:00:00.123456Z',
        langs: ['en', 'ja'],
        replyParentUri: uriOf('a1'),
        replyRootUri: uriOf('a1'),
        quotedUri: null,
        embedKind: 'external',
        externalUri: 'https://example.com/x',
        mentions: ['did:plc:bob'],
        tags: ['tag1'],
        links: ['https://example.com/l'],
        labels: ['porn'],
        replyParent: null, // not stored in this DATA_DIR
        quoted: null,
      });
      // The µs timestamp round-trips into dateRange exactly.
      expect(
        await searchUris(t2, { dateRange: { from: '2024-05-01T00:00:00.123456Z', to: '2024-05-01T00:00:00.123457Z' } }),
      ).toEqual([full.uri]);
      expect(
        (await t2.gql<{ post: null }>('{ post(uri: "at://did:plc:none/app.bsky.feed.post/x") { uri } }')).data,
      ).toEqual({ post: null });
    } finally {
      await t2.close();
    }
  });
});

describe('the search result cache (SEARCH_CACHE_SIZE)', () => {
  it('answers a repeated search without DuckDB, and sees a newly flushed file at once', async () => {
    const first = post({ rkey: 'c1', text: 'cached answer', indexed_at: T0 + 1 });
    const c = await startTestGraph(asPosts([first]), { SEARCH_CACHE_SIZE: '16' });
    try {
      expect(await searchUris(c, { text: 'cached' })).toEqual([first.uri]);
      c.queries.length = 0;
      expect(await searchUris(c, { text: 'cached' })).toEqual([first.uri]);
      expect(c.queries.filter((q) => q.kind === 'search')).toEqual([]);
      const second = post({ rkey: 'c2', text: 'cached again', indexed_at: T0 + 2 });
      await writeRows(c.dataDir, asPosts([second]));
      expect(await searchUris(c, { text: 'cached' })).toEqual([second.uri, first.uri]);
    } finally {
      await c.close();
    }
  });
});
