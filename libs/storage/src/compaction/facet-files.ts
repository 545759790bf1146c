import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { postsWithDerivedColumns } from '../posts-columns';
import { LINKED_URLS_SQL } from '../query/post-sql';
import { writeSideFile } from './compaction-sql';

// by-facet-<generation>.parquet  (key, indexed_at)  one row per (post, mentioned account) and per (post, linked
// URL), sorted by key, indexed_at DESC. key = facetKey(kind, value): the first 16 hex digits of an MD5, because
// DuckDB writes no min/max statistics for long strings (URLs) and prefixes would collide (every YouTube link
// starts the same); a collision only adds candidates, which the exact predicate drops. Without it a page of posts
// mentioning an account, or linking a URL seen once, scanned the day's mentions or links (295 / 833 ms at 8.1M
// posts); with it, one statistics-pruned lookup and a read-back of the hits, as the rare tokens have.

export const BY_FACET_PREFIX = 'by-facet-';

/** The facets with postings: a mentioned DID (PostFilter.mentions), a normalised linked URL (PostFilter.url). */
export type FacetKey = 'mention' | 'url';

/** The key of a facet value, in SQL over an expression (the same as facetKey in TypeScript). */
const keySql = (kind: FacetKey, value: string) => `left(md5('${kind}:' || ${value}), 16)`;

/** Writes the by-facet file of `inputs` (absolute paths of compacted posts files) durably to `path`; its bytes. */
export async function writeByFacet(conn: DuckDBConnection, path: string, inputs: readonly string[]): Promise<number> {
  const posts = postsWithDerivedColumns('read_parquet($inputs)');
  return writeSideFile(
    conn,
    `SELECT key, indexed_at FROM (
         SELECT ${keySql('mention', 'v')} AS key, indexed_at
         FROM (SELECT unnest(list_distinct(p.mentions)) AS v, p.indexed_at FROM ${posts} p)
         UNION ALL
         SELECT ${keySql('url', 'v')} AS key, indexed_at
         FROM (SELECT unnest(list_distinct(${LINKED_URLS_SQL})) AS v, p.indexed_at FROM ${posts} p)
       ) WHERE key IS NOT NULL
       ORDER BY key, indexed_at DESC`,
    path,
    inputs,
  );
}

/** by-facet's key for a mentioned DID or a normalised URL (MD5 of the UTF-8 bytes, as DuckDB's md5). */
export function facetKey(kind: FacetKey, value: string): string {
  return createHash('md5').update(`${kind}:${value}`, 'utf8').digest('hex').slice(0, 16);
}

export function byFacetName(generation: number): string {
  return `${BY_FACET_PREFIX}${generation}.parquet`;
}
