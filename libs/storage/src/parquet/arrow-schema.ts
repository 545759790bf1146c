import { Bool, Field, Int64, List, Schema, TimestampMicrosecond, Utf8, type DataType } from 'apache-arrow';
import { TABLES, type ColumnDef, type TableName } from '@bsky-explorer/schema';

/**
 * Arrow type of a contract column. Explicit, never inferred (Arrow cannot infer the type of an empty list).
 * Timestamps carry no time zone: DuckDB then reads them as TIMESTAMP (values are UTC by convention), which compares
 * with a bound TIMESTAMP parameter without a time-zone cast that would defeat row-group pruning.
 */
export function arrowType(column: ColumnDef): DataType {
  switch (column.type) {
    case 'varchar':
      return new Utf8();
    case 'varchar[]':
      return new List(new Field('item', new Utf8(), false));
    case 'bigint':
      return new Int64();
    case 'timestamp_us':
      return new TimestampMicrosecond();
    case 'boolean':
      return new Bool();
  }
}

const cache = new Map<TableName, Schema>();

/** The Arrow schema of a table, derived from its column list in @bsky-explorer/schema. */
export function arrowSchema(table: TableName): Schema {
  let schema = cache.get(table);
  if (!schema) {
    schema = new Schema(TABLES[table].map((c) => new Field(c.name, arrowType(c), c.nullable)));
    cache.set(table, schema);
  }
  return schema;
}
