import { TABLES, type ColumnDef, type ColumnType, type TableName } from '@bsky-explorer/schema';

// The SQL type DuckDB sees for each contract column type when it reads our Parquet files. Timestamps are written
// without a time zone (Parquet isAdjustedToUTC=false), so DuckDB reads them as TIMESTAMP (not TIMESTAMPTZ) and they
// compare directly with a bound TIMESTAMP parameter; by convention every value is UTC.
const SQL_TYPES: Record<ColumnType, string> = {
  varchar: 'VARCHAR',
  'varchar[]': 'VARCHAR[]',
  bigint: 'BIGINT',
  timestamp_us: 'TIMESTAMP',
  boolean: 'BOOLEAN',
};

export function duckdbType(column: ColumnDef): string {
  return SQL_TYPES[column.type];
}

/** `"uri" VARCHAR, "cid" VARCHAR, …` — a table's columns as DuckDB column definitions (CREATE TABLE, casts). */
export function duckdbColumnsSql(table: TableName): string {
  return TABLES[table].map((c) => `"${c.name}" ${duckdbType(c)}`).join(', ');
}

/** `{'uri': 'VARCHAR', …}` — the `columns` struct for read_parquet/read_json with explicit types. */
export function duckdbColumnsStruct(table: TableName): string {
  return `{${TABLES[table].map((c) => `'${c.name}': '${duckdbType(c)}'`).join(', ')}}`;
}
