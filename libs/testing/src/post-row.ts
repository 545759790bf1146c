import type { PostRow } from '@bsky-explorer/schema';

/** 2024-05-25T12:00:00Z in µs: the default indexed_at of row 0. */
export const POST_ROW_T0 = Date.parse('2024-05-25T12:00:00Z') * 1000;

/**
 * A valid post row for tests: row `n` has its own rkey, cid, rev and text, indexed n seconds after
 * POST_ROW_T0, by one of five authors; `overrides` win (a given did or rkey also makes the uri).
 */
export function postRow(n: number, overrides: Partial<PostRow> = {}): PostRow {
  const did = overrides.did ?? `did:plc:author${n % 5}`;
  const rkey = overrides.rkey ?? `3k${n.toString(36).padStart(8, '0')}`;
  const indexedAt = overrides.indexed_at ?? POST_ROW_T0 + n * 1_000_000;
  return {
    uri: `at://${did}/app.bsky.feed.post/${rkey}`,
    cid: `bafy${n}`,
    did,
    rkey,
    rev: `rev${n}`,
    text: `post number ${n}`,
    created_at: indexedAt - 500,
    indexed_at: indexedAt,
    time_us: indexedAt,
    langs: ['en'],
    reply_root_uri: null,
    reply_parent_uri: null,
    embed_kind: null,
    quoted_uri: null,
    external_uri: null,
    mentions: [],
    tags: [],
    links: [],
    labels: [],
    operation: 'create',
    ...overrides,
  };
}
