// The SQL side of the tail's pseudo paths (tail-path.ts): the in-memory tables and the SELECT that stands in for a
// data file. Tables are per generation (tail_<table>_g<n>): pruning the flushed rows makes a new generation, and a
// query keeps reading the one its snapshot named, so rows never vanish under a running query.
import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { TABLES } from '@bsky-explorer/schema';
import { duckdbColumnsSql } from '../duckdb-types';
import { isTailPath, parseTailPath, type TailPart, type TailTable } from './tail-path';

/** Stream id of the row's entry (padded, sorts like the id) and its partition day: the columns beside the contract's. */
export const TAIL_EXTRA_COLUMNS = 'sid VARCHAR NOT NULL, day VARCHAR NOT NULL';

/** The table name of a generation: only a table of the contract and an integer, never input. */
export function tailTableName(table: TailTable, gen: number): string {
  if (!Number.isSafeInteger(gen) || gen < 0) throw new RangeError(`bad tail generation ${gen}`);
  return `tail_${table}_g${gen}`;
}

export function createTailTableSql(table: TailTable, gen: number): string {
  return `CREATE TABLE ${tailTableName(table, gen)} (${duckdbColumnsSql(table)}, ${TAIL_EXTRA_COLUMNS})`;
}

/** The contract's columns of a table, in its order (what read_parquet of its files returns). */
const columnList = (table: TailTable) => TABLES[table].map((c) => `"${c.name}"`).join(', ');

interface Binder {
  bind(value: DuckDBValue): string;
}

/**
 * The FROM source for a list of paths that holds tail paths: the data files through `readFiles` (the usual
 * read_parquet), UNION ALL BY NAME the tail rows of those days, as one parenthesised subquery.
 */
export function tailSource(sql: Binder, paths: readonly string[], readFiles: (files: string[]) => string): string {
  const files = paths.filter((p) => !isTailPath(p));
  // One SELECT per snapshot table (a list normally holds one: one table, one snapshot), its days as a bound list.
  const groups = new Map<string, { part: TailPart; days: string[] }>();
  for (const part of paths.filter(isTailPath).map(parseTailPath)) {
    const key = `${part.table}/${part.gen}/${part.lo}/${part.hiEx}`;
    const group = groups.get(key) ?? { part, days: [] };
    group.days.push(part.date);
    groups.set(key, group);
  }
  const selects = [...groups.values()].map(
    ({ part, days }) => `SELECT ${columnList(part.table)} FROM ${tailTableName(part.table, part.gen)}
    WHERE sid >= ${sql.bind(part.lo)} AND sid < ${sql.bind(part.hiEx)}
      AND list_contains(${sql.bind(listValue(days))}::VARCHAR[], day)`,
  );
  if (files.length > 0) selects.unshift(`SELECT * FROM ${readFiles(files)}`);
  return `(${selects.join(' UNION ALL BY NAME ')})`;
}
