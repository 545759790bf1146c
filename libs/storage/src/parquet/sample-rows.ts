import type { AccountRow, PostRow, TombstoneRow } from '@bsky-explorer/schema';

// Deterministic rows for tests and quick measurements (not part of the public API).

const WORDS = 'the quick brown fox jumps over lazy dog bluesky post hello world café 東京 🌍 news today really'.split(
  ' ',
);

export function samplePost(i: number, indexedAtUs: number, overrides: Partial<PostRow> = {}): PostRow {
  const did = `did:plc:sample${(i % 997).toString().padStart(4, '0')}`;
  const rkey = `3k${i.toString(36).padStart(8, '0')}`;
  let text = '';
  for (let k = 0; k < 5 + ((i * 7) % 40); k++) text += WORDS[(i * 31 + k * 17) % WORDS.length] + ' ';
  return {
    uri: `at://${did}/app.bsky.feed.post/${rkey}`,
    cid: `bafyrei${i.toString(36).padStart(20, 'c')}`,
    did,
    rkey,
    rev: `3l${i.toString(36)}`,
    text: text.trimEnd(),
    created_at: indexedAtUs - 1000,
    indexed_at: indexedAtUs,
    time_us: indexedAtUs,
    langs: ['en'],
    reply_root_uri: i % 3 ? null : `at://${did}/app.bsky.feed.post/root`,
    reply_parent_uri: i % 3 ? null : `at://${did}/app.bsky.feed.post/parent`,
    embed_kind: i % 4 ? null : 'images',
    quoted_uri: null,
    external_uri: null,
    mentions: i % 10 ? [] : ['did:plc:mentioned'],
    tags: [],
    links: i % 7 ? [] : ['https://example.com/a'],
    labels: [],
    operation: 'create',
    ...overrides,
  };
}

export function sampleTombstone(post: PostRow, kind: TombstoneRow['kind'], timeUs: number): TombstoneRow {
  return {
    uri: post.uri,
    did: post.did,
    rkey: post.rkey,
    rev: `${post.rev}x`,
    kind,
    indexed_at: timeUs,
    time_us: timeUs,
  };
}

export function sampleAccount(did: string, active: boolean, timeUs: number): AccountRow {
  return { did, active, status: active ? null : 'deactivated', indexed_at: timeUs, time_us: timeUs };
}
