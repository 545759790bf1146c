import type { PostRow } from '@bsky-explorer/schema';
import type { Row } from '../duckdb/pool';

/** A post as the store returns it: the PostRow fields (snake_case, timestamps as µs numbers). */
export type PostRecord = PostRow;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Converts one DuckDB row (selected with POST_SELECT) to a PostRecord. */
export function toPostRecord(r: Row): PostRecord {
  return {
    uri: r.uri as string,
    cid: r.cid as string,
    did: r.did as string,
    rkey: r.rkey as string,
    rev: r.rev as string,
    text: (r.text as string | null) ?? '',
    created_at: numOrNull(r.created_at),
    indexed_at: num(r.indexed_at),
    time_us: num(r.time_us),
    langs: list(r.langs),
    reply_root_uri: strOrNull(r.reply_root_uri),
    reply_parent_uri: strOrNull(r.reply_parent_uri),
    embed_kind: strOrNull(r.embed_kind) as PostRecord['embed_kind'],
    quoted_uri: strOrNull(r.quoted_uri),
    external_uri: strOrNull(r.external_uri),
    mentions: list(r.mentions),
    tags: list(r.tags),
    links: list(r.links),
    labels: list(r.labels),
    operation: r.operation as PostRecord['operation'],
  };
}
