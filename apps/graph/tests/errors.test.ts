import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asPosts, post, SEARCH, searchUris, startTestGraph, T0, type GqlResponse, type TestGraph } from './_util';

const rows = [
  post({ rkey: 'a', text: 'plain hello' }),
  post({ rkey: 'b', text: "quote ' OR 1=1 -- inside" }),
  post({ rkey: 'c', text: 'x"; DROP TABLE posts; --' }),
  post({ rkey: 'd', text: 'percent % and underscore _' }),
];

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(asPosts(rows), { SEARCH_MAX_PAGE_SIZE: '100', SEARCH_DEFAULT_PAGE_SIZE: '2' });
});
afterAll(() => t.close());

function onlyError(res: GqlResponse<unknown>): { code: string | undefined; message: string } {
  expect(res.errors).toHaveLength(1);
  return { code: res.errors![0].extensions?.code, message: res.errors![0].message };
}

describe('bad arguments get a code and a message that says what to fix', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['first = 0', { first: 0 }, 'BAD_USER_INPUT', /first must be between 1 and 100 \(got 0\)/],
    ['first < 0', { first: -5 }, 'BAD_USER_INPUT', /first must be between 1 and 100/],
    ['first over the max', { first: 101 }, 'BAD_USER_INPUT', /first must be between 1 and 100 \(got 101\)/],
    ['first not an Int', { first: 'ten' }, 'BAD_USER_INPUT', /Int/],
    [
      'from = to',
      { dateRange: { from: '2024-05-01T00:00:00Z', to: '2024-05-01T00:00:00Z' } },
      'BAD_USER_INPUT',
      /from must be earlier than dateRange.to/,
    ],
    [
      'from after to',
      { dateRange: { from: '2024-06-01', to: '2024-05-01' } },
      'BAD_USER_INPUT',
      /from must be earlier/,
    ],
    ['invalid DateTime', { dateRange: { from: 'yesterday' } }, 'BAD_USER_INPUT', /ISO-8601 with a time zone/],
    [
      'DateTime without zone',
      { dateRange: { to: '2024-05-01T10:00:00' } },
      'BAD_USER_INPUT',
      /ISO-8601 with a time zone/,
    ],
    ['impossible date', { dateRange: { to: '2024-02-30' } }, 'BAD_USER_INPUT', /not valid/],
    [
      'DateTime without seconds',
      { dateRange: { to: '2024-05-01T10:00Z' } },
      'BAD_USER_INPUT',
      /with seconds|and seconds/,
    ],
    ['offset without a colon', { dateRange: { to: '2024-05-01T10:00:00+0200' } }, 'BAD_USER_INPUT', /RFC 3339/],
    [
      'an unknown handle as author',
      { author: 'alice.bsky.social' },
      'BAD_USER_INPUT',
      /unknown handle "alice.bsky.social" in author: not seen in identity events/,
    ],
    ['neither DID nor handle as author', { author: 'not an account' }, 'BAD_USER_INPUT', /or a handle such as/],
    ['malformed DID', { author: 'did:plc:' }, 'BAD_USER_INPUT', /author must be a DID/],
    [
      'text over 512 characters',
      { text: 'é'.repeat(513) },
      'BAD_USER_INPUT',
      /513 characters long; shorten it to at most 512/,
    ],
    [
      'too many search terms',
      { text: Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ') },
      'BAD_USER_INPUT',
      /at most 16 search terms/,
    ],
    ['garbage cursor', { after: 'not-a-cursor' }, 'INVALID_CURSOR', /after is not a cursor returned by this API/],
    [
      'tampered cursor',
      { after: Buffer.from('p1\n99999999999999\n').toString('base64url') },
      'INVALID_CURSOR',
      /cursor/,
    ],
  ];
  it.each(cases)('%s', async (_name, variables, code, message) => {
    const res = await t.gql(SEARCH, variables);
    const err = onlyError(res);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('applies the configured default page size', async () => {
    const res = await t.gql<{ searchPosts: { edges: unknown[]; pageInfo: { hasNextPage: boolean } } }>(
      '{ searchPosts { edges { cursor } pageInfo { hasNextPage } } }',
    );
    expect(res.data!.searchPosts.edges).toHaveLength(2);
    expect(res.data!.searchPosts.pageInfo.hasNextPage).toBe(true);
  });

  it('rejects a bad DateTime literal inline too', async () => {
    const err = onlyError(await t.gql('{ searchPosts(dateRange: { from: "2024-13-01" }) { edges { cursor } } }'));
    expect(err).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/ISO-8601/) });
  });

  it('rejects bad export limits', async () => {
    const mutation = 'mutation($limit: Int) { exportPosts(limit: $limit) { url } }';
    expect(onlyError(await t.gql(mutation, { limit: 0 }))).toEqual({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/limit must be a positive integer/),
    });
    expect(onlyError(await t.gql(mutation, { limit: -1 })).code).toBe('BAD_USER_INPUT');
    expect(onlyError(await t.gql(mutation, { limit: 1.5 })).code).toBe('BAD_USER_INPUT');
    expect(onlyError(await t.gql(mutation, { limit: 10_000_000 })).code).toBe('EXPORT_TOO_LARGE');
  });
});

describe('SQL injection attempts are plain data', () => {
  it('in text: matched literally, nothing more', async () => {
    expect(await searchUris(t, { text: "' OR 1=1 --" })).toEqual([rows[1].uri]);
    expect(await searchUris(t, { text: '"\' OR 1=1 --"' })).toEqual([rows[1].uri]);
    expect(await searchUris(t, { text: 'DROP TABLE posts;' })).toEqual([rows[2].uri]);
    expect(await searchUris(t, { text: "'); SELECT * FROM read_parquet('/etc/passwd'); --" })).toEqual([]);
    expect(await searchUris(t, { text: '%' })).toEqual([rows[3].uri]);
    expect(await searchUris(t, { text: '_' })).toEqual([rows[3].uri]);
    // Everything is still there afterwards.
    expect(await searchUris(t, {})).toHaveLength(4);
  });

  it('in author, after, dateRange and uri: rejected or no match, never an internal error', async () => {
    expect(onlyError(await t.gql(SEARCH, { author: "did:plc:alice' OR '1'='1" })).code).toBe('BAD_USER_INPUT');
    expect(onlyError(await t.gql(SEARCH, { after: "' OR 1=1 --" })).code).toBe('INVALID_CURSOR');
    const craftedCursor = Buffer.from(`p1\n${T0}\nat://x' OR '1'='1`).toString('base64url');
    const paged = await t.gql<{ searchPosts: { edges: unknown[] } }>(SEARCH, { after: craftedCursor, first: 100 });
    expect(paged.errors).toBeUndefined(); // a well-formed position: just a keyset bound
    expect(onlyError(await t.gql(SEARCH, { dateRange: { from: "2024-05-01'; DROP TABLE x; --" } })).code).toBe(
      'BAD_USER_INPUT',
    );
    const lookup = await t.gql('query($uri: String!) { post(uri: $uri) { uri } }', { uri: "' OR 1=1 --" });
    expect(lookup).toEqual({ status: 200, data: { post: null } });
    const lookup2 = await t.gql('query($uri: String!) { post(uri: $uri) { uri } }', {
      uri: `${rows[0].uri}' OR '1'='1`,
    });
    expect(lookup2.data).toEqual({ post: null });
    const exp = await t.gql('mutation($a: String) { exportPosts(author: $a) { url } }', {
      a: "did:plc:x'); COPY posts TO '/tmp/x",
    });
    expect(onlyError(exp).code).toBe('BAD_USER_INPUT');
  });
});

describe('replyParent and quoted', () => {
  it('resolve through ONE lookup query per request for a whole page', async () => {
    const parents = Array.from({ length: 6 }, (_, i) =>
      post({ rkey: `parent${i}`, text: `parent ${i}`, indexed_at: T0 - 1000 - i }),
    );
    const children = parents.map((p, i) =>
      post({
        rkey: `child${i}`,
        text: `child ${i}`,
        reply_parent_uri: p.uri,
        reply_root_uri: p.uri,
        quoted_uri: parents[(i + 1) % 6].uri,
        embed_kind: 'record',
      }),
    );
    const orphan = post({
      rkey: 'orphan',
      text: 'child orphan',
      reply_parent_uri: 'at://did:plc:nobody/app.bsky.feed.post/x',
    });
    const t2 = await startTestGraph(asPosts([...parents, ...children, orphan]));
    try {
      t2.queries.length = 0;
      const res = await t2.gql<{
        searchPosts: {
          edges: { node: { text: string; replyParent: { text: string } | null; quoted: { text: string } | null } }[];
        };
      }>('{ searchPosts(text: "child", first: 100) { edges { node { text replyParent { text } quoted { text } } } } }');
      expect(res.errors).toBeUndefined();
      const byText = new Map(res.data!.searchPosts.edges.map((e) => [e.node.text, e.node]));
      expect(byText.size).toBe(7);
      for (let i = 0; i < 6; i++) {
        expect(byText.get(`child ${i}`)).toEqual({
          text: `child ${i}`,
          replyParent: { text: `parent ${i}` },
          quoted: { text: `parent ${(i + 1) % 6}` },
        });
      }
      expect(byText.get('child orphan')).toEqual({ text: 'child orphan', replyParent: null, quoted: null });
      expect(t2.queries.map((q) => q.kind)).toEqual(['search', 'lookup']);
    } finally {
      await t2.close();
    }
  });
});

describe('limits and masking', () => {
  it('rejects queries nested too deep and too costly before touching DuckDB', async () => {
    const before = t.queries.length;
    let nested = 'uri';
    for (let i = 0; i < 12; i++) nested = `uri replyParent { ${nested} }`;
    const deep = await t.gql(`{ searchPosts { edges { node { ${nested} } } } }`);
    expect(deep.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/depth.*Nest replyParent\/quoted less deeply/i),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
    expect(deep.data).toBeUndefined();
    const fields = 'uri cid authorDid text createdAt indexedAt langs tags links mentions';
    const page = `searchPosts(first: 1000) { edges { node { ${fields} replyParent { ${fields} quoted { ${fields} } } quoted { ${fields} } } } }`;
    const costly = await t.gql(`{ a: ${page} b: ${page} c: ${page} d: ${page} }`);
    expect(costly.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/cost.*Select fewer fields/i),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: searchPosts { edges { cursor } }`).join('\n');
    const many = await t.gql(`{ ${aliases} }`);
    expect(many.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/at most 5 root fields \(got 50\)/),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
    expect(t.queries.length).toBe(before);
  });

  it('accepts a realistic full query within the limits', async () => {
    const fields =
      'uri cid authorDid text createdAt indexedAt langs replyParentUri replyRootUri quotedUri embedKind externalUri mentions tags links labels';
    const query = (
      first: number,
    ) => `{ searchPosts(first: ${first}) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ${fields} replyParent { ${fields} quoted { uri text } } quoted { ${fields} } } } } }`;
    expect((await t.gql(query(100))).errors).toBeUndefined();
    // A 1000-post page passes the cost limit too: it reaches the resolver (which enforces this graph's max of 100).
    expect((await t.gql(query(1000))).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('masks unexpected errors without leaking paths or SQL', async () => {
    const t2 = await startTestGraph(asPosts([post({ text: 'fine' })]));
    try {
      // Break the stored file itself: DuckDB's error names the file and the SQL; the client must see neither.
      const dir = join(t2.dataDir, 'posts', 'date=2024-05-01');
      const [file] = (await readdir(dir)).filter((f) => f.endsWith('.parquet'));
      await writeFile(join(dir, file), 'this is not parquet');
      const res = await t2.gql(SEARCH, {});
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].message).toBe('Unexpected error.');
      expect(res.errors![0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(res)).not.toMatch(/corrupt|parquet|SELECT|\/tmp/i);
    } finally {
      await t2.close();
    }
  });

  it('stops a query past QUERY_TIMEOUT_MS with QUERY_TIMEOUT', async () => {
    const many = Array.from({ length: 60_000 }, (_, i) =>
      post({ rkey: `m${i}`, text: `lorem ipsum dolor sit amet ${i} consectetur adipiscing` }),
    );
    const t2 = await startTestGraph(asPosts(many), { QUERY_TIMEOUT_MS: '1' });
    try {
      const err = onlyError(
        await t2.gql(SEARCH, { text: 'ipsum -zzz "sit amet" consectetur adipiscing -yyy', first: 100 }),
      );
      expect(err).toEqual({ code: 'QUERY_TIMEOUT', message: expect.stringMatching(/longer than 1 ms.*narrow it/) });
      expect(t2.queries.at(-1)?.result).toBe('timeout');
    } finally {
      await t2.close();
    }
  });
});
