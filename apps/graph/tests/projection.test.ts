import { asPosts, post, startTestGraph, T0, type TestGraph } from './_util';

// searchPosts reads back only the columns its selection needs; whatever the selection's shape (fragments, inline
// fragments, nested posts), every selected field must come out as a full read gives it.

const parent = post({ rkey: 'parent', text: 'the parent post', indexed_at: T0 + 1 });
const child = post({
  rkey: 'child',
  text: 'a reply with links',
  indexed_at: T0 + 2,
  reply_parent_uri: parent.uri,
  reply_root_uri: parent.uri,
  links: ['https://example.com/'],
  langs: ['de'],
});

const FULL = /* GraphQL */ `
  {
    searchPosts(text: "reply", first: 5) {
      edges {
        node {
          uri
          cid
          authorDid
          text
          createdAt
          indexedAt
          langs
          links
          replyParentUri
          replyParent {
            uri
            text
            cid
          }
        }
      }
    }
  }
`;

const PARTS = /* GraphQL */ `
  fragment Shown on Post {
    text
    langs
  }
  {
    searchPosts(text: "reply", first: 5) {
      edges {
        node {
          uri
          ...Shown
          ... on Post {
            links
          }
          replyParent {
            uri
            text
            cid
          }
        }
      }
    }
  }
`;

type Node = Record<string, unknown> & { replyParent: Record<string, unknown> | null };
type Data = { searchPosts: { edges: { node: Node }[] } };

describe('searchPosts reads back only the selected columns', () => {
  let t: TestGraph;
  beforeAll(async () => {
    t = await startTestGraph(asPosts([parent, child]));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a selection with fragments and a nested post as a full read does', async () => {
    const full = await t.gql<Data>(FULL);
    const parts = await t.gql<Data>(PARTS);
    expect(full.errors).toBeUndefined();
    expect(parts.errors).toBeUndefined();
    const [whole] = (full.data as Data).searchPosts.edges.map((e) => e.node);
    const [node] = (parts.data as Data).searchPosts.edges.map((e) => e.node);
    expect(whole).toMatchObject({ uri: child.uri, cid: child.cid, langs: ['de'], links: ['https://example.com/'] });
    expect(node).toEqual({
      uri: whole.uri,
      text: whole.text,
      langs: whole.langs,
      links: whole.links,
      // The parent is loaded whole by its own lookup, although the page was read without cid.
      replyParent: { uri: parent.uri, text: parent.text, cid: parent.cid },
    });
  });
});
