import type { PostRow } from '@bsky-explorer/schema';
import type { Row } from '../duckdb/pool';

/** A post as the store returns it: the PostRow fields (snake_case, timestamps as µs numbers). */
export type PostRecord = PostRow;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** Converts one DuckDB row (selected with postSelect) to a PostRecord; columns not selected come out empty. */
export function toPostRecord(r: Row): PostRecord {
  return {
    uri: r.uri as string,
    cid: str(r.cid),
    did: r.did as string,
    rkey: str(r.rkey),
    rev: str(r.rev),
    text: str(r.text),
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
    operation: (str(r.operation) || 'create') as PostRecord['operation'],
  };
}
