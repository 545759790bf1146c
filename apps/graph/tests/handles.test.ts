import type { TableRow } from '@bsky-explorer/schema';
import { parse } from 'csv-parse/sync';
import { asPosts, DAY_US, post, startTestGraph, T0, type TestGraph } from './_util';

// Over real HTTP: author, mentions and from: take a handle or a DID (a handle is the account that held it most
// recently in identity events), Post.author carries the handle through one query per request, the CSV has it.

const alice = 'did:plc:alice';
const bob = 'did:plc:bob';
const quiet = 'did:plc:quiet'; // never seen in an identity event with a handle

const posts = [
  post({ did: alice, rkey: 'a1', text: 'alice coffee', indexed_at: T0 + 1_000_000 }),
  post({ did: alice, rkey: 'a2', text: 'alice tea', indexed_at: T0 + 2_000_000 }),
  post({ did: bob, rkey: 'b1', text: 'bob coffee', indexed_at: T0 + 3_000_000, mentions: [alice] }),
  post({ did: quiet, rkey: 'q1', text: 'quiet coffee', indexed_at: T0 + 4_000_000, mentions: [bob] }),
];
const identity = (did: string, handle: string | null, timeUs: number): TableRow => ({
  table: 'identities',
  row: { did, handle, indexed_at: timeUs, time_us: timeUs },
});
// alice was alice.bsky.social, then became alice.example.com; bob took alice.bsky.social after her.
const rows: TableRow[] = [
  ...asPosts(posts),
  identity(alice, 'alice.bsky.social', T0),
  identity(bob, 'bob.bsky.social', T0 + 1),
  identity(quiet, null, T0 + 2),
  identity(alice, 'alice.example.com', T0 + DAY_US),
  identity(bob, 'alice.bsky.social', T0 + DAY_US + 1),
];

const SEARCH = /* GraphQL */ `
  query S($author: String, $mentions: String, $text: String) {
    searchPosts(author: $author, mentions: $mentions, text: $text, first: 50) {
      totalCount
      edges {
        node {
          uri
          authorDid
          author {
            did
            handle
          }
        }
      }
    }
  }
`;

interface Node {
  uri: string;
  authorDid: string;
  author: { did: string; handle: string | null };
}
type SearchData = { searchPosts: { totalCount: number; edges: { node: Node }[] } };

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(rows, { PUBLIC_URL: 'http://placeholder.invalid' }, { listen: true });
});
afterAll(() => t.close());

const search = async (variables: Record<string, unknown>) => {
  const res = await t.http<SearchData>(SEARCH, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.searchPosts;
};
const urisOf = (did: string) =>
  posts
    .filter((p) => p.did === did)
    .map((p) => p.uri)
    .sort();

describe('handles', () => {
  it('author by handle equals author by DID; the old holder of a handle no longer answers to it', async () => {
    const byDid = await search({ author: alice });
    const byHandle = await search({ author: 'alice.example.com' });
    expect(byHandle).toEqual(byDid);
    expect(byHandle.edges.map((e) => e.node.uri).sort()).toEqual(urisOf(alice));
    expect(await search({ author: '@Alice.Example.com' })).toEqual(byDid);
    const moved = await search({ author: 'alice.bsky.social' });
    expect(moved.edges.map((e) => e.node.uri)).toEqual(urisOf(bob));
    const fromText = await search({ text: 'coffee from:alice.example.com' });
    expect(fromText.edges.map((e) => e.node.uri)).toEqual([posts[0].uri]);
  });

  it('mentions by handle equals mentions by DID', async () => {
    const byHandle = await search({ mentions: 'alice.example.com' });
    expect(byHandle).toEqual(await search({ mentions: alice }));
    expect(byHandle.edges.map((e) => e.node.uri)).toEqual([posts[2].uri]);
  });

  it('an unknown handle is BAD_USER_INPUT, not an empty result', async () => {
    for (const [variables, argument] of [
      [{ author: 'nobody.bsky.social' }, 'author'],
      [{ mentions: 'nobody.bsky.social' }, 'mentions'],
      [{ text: 'coffee from:nobody.bsky.social' }, 'text'],
    ] as const) {
      const res = await t.http(SEARCH, variables);
      expect(res.status).toBe(200);
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions?.argument).toBe(argument);
      expect(res.errors![0].message).toMatch(/unknown handle "nobody.bsky.social" .*not seen in identity events/);
    }
  });

  it('Post.author has the newest handle, null when never seen, loaded with one query per request', async () => {
    t.queries.length = 0;
    const page = await search({ text: 'coffee' });
    const handles = Object.fromEntries(page.edges.map((e) => [e.node.author.did, e.node.author.handle]));
    expect(handles).toEqual({ [alice]: 'alice.example.com', [bob]: 'alice.bsky.social', [quiet]: null });
    for (const e of page.edges) expect(e.node.author.did).toBe(e.node.authorDid);
    // search + count, and ONE lookup for the three authors' handles.
    expect(t.queries.map((q) => q.kind).sort()).toEqual(['count', 'lookup', 'search']);
  });

  it("exports the author's handle right after authorDid", async () => {
    const res = await t.http<{ exportPosts: { url: string; rowCount: number } }>(
      'mutation { exportPosts(author: "alice.example.com") { url rowCount } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.exportPosts.rowCount).toBe(2);
    const csv = await (
      await fetch(res.data!.exportPosts.url.replace('http://placeholder.invalid', t.graph.url))
    ).text();
    expect(csv.split('\r\n')[0].split(',').slice(2, 4)).toEqual(['authorDid', 'authorHandle']);
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [r.authorDid, r.authorHandle])).toEqual([
      [alice, 'alice.example.com'],
      [alice, 'alice.example.com'],
    ]);
  });
});
