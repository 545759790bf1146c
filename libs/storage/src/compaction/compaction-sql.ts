import { stat } from 'node:fs/promises';
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { TableName } from '@bsky-explorer/schema';
import { fsyncFile } from '../layout/durable-fs';
import { STORED_POSTS_COLUMNS, postsWithDerivedColumns } from '../posts-columns';

/** A SQL string literal. Only for paths the library builds itself (COPY … TO takes no parameter); user input is always bound. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface CompactionQueryOptions {
  /** Whether tombstone files exist ($tombstones bound); read_parquet([]) is an error, so the filter is left out. */
  withTombstones: boolean;
}

/**
 * The SELECT that produces a partition's compacted rows, reading the bound file list $inputs (and $tombstones).
 * posts: one row per uri, its newest version (exact duplicates and superseded versions go), minus posts with a
 * 'delete' tombstone anywhere or a 'supersede' tombstone newer than the version; sorted in read order
 * (indexed_at DESC, uri) so row-group min/max statistics prune date ranges and top-N scans.
 * tombstones, accounts: exact duplicates go, nothing else (they are needed forever to hide posts).
 * identities: the same (the handle history is needed forever to resolve handles), sorted by handle so that a
 * handle lookup prunes row groups by min/max.
 */
export function compactionSelect(table: TableName, { withTombstones }: CompactionQueryOptions): string {
  switch (table) {
    case 'posts':
      return `
        SELECT p.${STORED_POSTS_COLUMNS} FROM ${postsWithDerivedColumns('read_parquet($inputs)')} AS p
        ${
          withTombstones
            ? `WHERE NOT EXISTS (
          SELECT 1 FROM read_parquet($tombstones) AS t
          WHERE t.uri = p.uri AND (t.kind = 'delete' OR (t.kind = 'supersede' AND t.time_us > p.time_us)))`
            : ''
        }
        QUALIFY row_number() OVER (PARTITION BY p.uri ORDER BY p.time_us DESC, p.cid) = 1
        ORDER BY p.indexed_at DESC, p.uri`;
    case 'tombstones':
      return `SELECT DISTINCT * FROM read_parquet($inputs) ORDER BY uri, time_us`;
    case 'accounts':
      return `SELECT DISTINCT * FROM read_parquet($inputs) ORDER BY did, time_us`;
    case 'identities':
      return `SELECT DISTINCT * FROM read_parquet($inputs) ORDER BY handle NULLS LAST, did, time_us`;
  }
}

/** zstd level of the side files: written once per closed day (see CompactionOptions.compressionLevel). */
export const SIDE_COMPRESSION_LEVEL = 9;
/** Rows per row group of the side files: one did, key or uri lookup reads one group of this size. */
export const SIDE_ROW_GROUP_SIZE = 16_384;

/**
 * Writes a side file durably: `select` (which reads `$inputs`, bound to `inputs`) COPYed to `path` with the side
 * files' zstd level and row groups, fsynced; returns its bytes.
 */
export async function writeSideFile(
  conn: DuckDBConnection,
  select: string,
  path: string,
  inputs: readonly string[],
): Promise<number> {
  // COPY … TO cannot take its target as a parameter; the path is built from our own names, never from input.
  await conn.run(
    `COPY (${select}) TO ${sqlLiteral(path)}
     (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${SIDE_COMPRESSION_LEVEL}, ROW_GROUP_SIZE ${SIDE_ROW_GROUP_SIZE})`,
    { inputs: listValue([...inputs]) },
    { inputs: LIST(VARCHAR) },
  );
  await fsyncFile(path);
  return (await stat(path)).size;
}
