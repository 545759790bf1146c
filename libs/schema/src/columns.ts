// The column schema of every table, defined once: the Parquet writer, the DuckDB reader and the CSV export all
// derive from these lists. Names are the contract (see DESIGN.md "Data contract").

export type ColumnType = 'varchar' | 'varchar[]' | 'bigint' | 'timestamp_us' | 'boolean';

export interface ColumnDef<Name extends string = string> {
  readonly name: Name;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

const col = <N extends string>(name: N, type: ColumnType, nullable = false): ColumnDef<N> => ({ name, type, nullable });

/** One row per post version (create or update). */
export const POST_COLUMNS = [
  col('uri', 'varchar'),
  col('cid', 'varchar'),
  col('did', 'varchar'),
  col('rkey', 'varchar'),
  col('rev', 'varchar'),
  col('text', 'varchar'),
  col('created_at', 'timestamp_us', true),
  col('indexed_at', 'timestamp_us'),
  col('time_us', 'bigint'),
  col('langs', 'varchar[]'),
  col('reply_root_uri', 'varchar', true),
  col('reply_parent_uri', 'varchar', true),
  col('embed_kind', 'varchar', true),
  col('quoted_uri', 'varchar', true),
  col('external_uri', 'varchar', true),
  col('mentions', 'varchar[]'),
  col('tags', 'varchar[]'),
  col('links', 'varchar[]'),
  col('labels', 'varchar[]'),
  col('operation', 'varchar'),
] as const;

/**
 * Tombstones. `kind = 'delete'`: the post was deleted (hides every version of `uri`).
 * `kind = 'supersede'`: an update arrived at `time_us` (hides versions of `uri` older than `time_us`).
 */
export const TOMBSTONE_COLUMNS = [
  col('uri', 'varchar'),
  col('did', 'varchar'),
  col('rkey', 'varchar'),
  col('rev', 'varchar'),
  col('kind', 'varchar'),
  col('indexed_at', 'timestamp_us'),
  col('time_us', 'bigint'),
] as const;

/** Account status events; the latest per did decides whether its posts are visible. */
export const ACCOUNT_COLUMNS = [
  col('did', 'varchar'),
  col('active', 'boolean'),
  col('status', 'varchar', true),
  col('indexed_at', 'timestamp_us'),
  col('time_us', 'bigint'),
] as const;

/**
 * Identity events: the DID ↔ handle history. `handle` is lower-cased (handles are case-insensitive) and null when
 * the event carries none or an invalid one. A handle resolves to the DID of its newest row; a DID's handle is its
 * newest non-null one.
 */
export const IDENTITY_COLUMNS = [
  col('did', 'varchar'),
  col('handle', 'varchar', true),
  col('indexed_at', 'timestamp_us'),
  col('time_us', 'bigint'),
] as const;

/** Table name → folder under DATA_DIR (Hive partitioned by `date=YYYY-MM-DD` of indexed_at, UTC). */
export const TABLES = {
  posts: POST_COLUMNS,
  tombstones: TOMBSTONE_COLUMNS,
  accounts: ACCOUNT_COLUMNS,
  identities: IDENTITY_COLUMNS,
} as const;
export type TableName = keyof typeof TABLES;
