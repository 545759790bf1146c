// The mix as plain SQL for the peers: each term a LIKE on case-folded text (what a user would write), newest first.
import type { QuerySpec } from '../query-mix';

export type Dialect = 'duckdb' | 'postgres';

export interface PeerQuery {
  sql: string;
  params: unknown[];
}

export interface KeysetCursor {
  indexedAtUs: number;
  uri: string;
}

const likeTerm = (t: string) => `%${t.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const iso2us = (iso: string) => Date.parse(iso) * 1000;

/**
 * `fold(text)` is ILIKE for DuckDB (its case-insensitive LIKE) and lower(text) LIKE for PostgreSQL, where the
 * pg_trgm GIN index is on lower(text). Time is compared as µs since the epoch in both.
 */
export function peerWhere(spec: QuerySpec, d: Dialect, cursor?: KeysetCursor): PeerQuery {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return d === 'postgres' ? `$${params.length}` : `$${params.length}`;
  };
  const conds: string[] = [];
  for (const t of spec.terms)
    conds.push(d === 'postgres' ? `lower(text) LIKE ${p(likeTerm(t))}` : `text ILIKE ${p(likeTerm(t))} ESCAPE '\\'`);
  if (spec.args.author) conds.push(`did = ${p(spec.args.author)}`);
  if (spec.args.dateRange) {
    conds.push(`time_us >= ${p(iso2us(spec.args.dateRange.from))}`, `time_us < ${p(iso2us(spec.args.dateRange.to))}`);
  }
  if (cursor) conds.push(`(time_us, uri) < (${p(cursor.indexedAtUs)}, ${p(cursor.uri)})`);
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export function peerSearch(spec: QuerySpec, d: Dialect, cursor?: KeysetCursor): PeerQuery {
  const w = peerWhere(spec, d, cursor);
  if (spec.totalCount) return { sql: `SELECT count(*) AS n FROM posts ${w.sql}`, params: w.params };
  return {
    // The fields a result list shows, as ours is asked for them (PAGE_FIELDS in graphql-client.ts).
    sql: `SELECT uri, time_us, did, text FROM posts ${w.sql} ORDER BY time_us DESC, uri DESC LIMIT ${spec.args.first}`,
    params: w.params,
  };
}

/** The last row of the page before `spec.page` (untimed), for the keyset query of the measured page. */
export function peerCursorQuery(spec: QuerySpec, d: Dialect): PeerQuery | undefined {
  if (spec.page <= 1) return undefined;
  const w = peerWhere(spec, d);
  return {
    sql: `SELECT uri, time_us FROM posts ${w.sql} ORDER BY time_us DESC, uri DESC LIMIT 1 OFFSET ${(spec.page - 1) * spec.args.first - 1}`,
    params: w.params,
  };
}
