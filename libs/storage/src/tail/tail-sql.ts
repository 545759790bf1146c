// The SQL side of the tail's pseudo paths (tail-path.ts): the in-memory tables and the SELECT that stands in for a
// data file. Tables are per generation (tail_<table>_g<n>): pruning the flushed rows makes a new generation, and a
// query keeps reading the one its snapshot named, so rows never vanish under a running query.
import { listValue, type DuckDBValue } from '@duckdb/node-api';
import { TABLES, type ColumnDef } from '@bsky-explorer/schema';
import { duckdbType } from '../duckdb-types';
import { tokenListSql } from '../text-tokens';
import { TAIL_TABLES, isTailPath, parseTailPath, type TailPart } from './tail-path';

/** Stream id of the row's entry (padded, sorts like the id) and its partition day: the columns beside the contract's. */
export const TAIL_EXTRA_COLUMNS = 'sid VARCHAR NOT NULL, day VARCHAR NOT NULL';

/** The tables of a generation: the tail's three, and the update rows of its posts again (see tailRows). */
export const GENERATION_TABLES = [...TAIL_TABLES, 'post_updates'] as const;
export type GenerationTable = (typeof GENERATION_TABLES)[number];

/**
 * The columns of the update rows' copy: what the visibility rules read of them (post-sql.ts visibleCte). Only
 * those: DuckDB gives every column of an in-memory table its own blocks, and all 20 took ~15 MB for 500 rows.
 */
const UPDATE_COLUMNS = new Set(['uri', 'indexed_at', 'time_us', 'operation']);

/** A generation table's contract columns, in order (then sid and day). */
export function tailColumns(table: GenerationTable): readonly ColumnDef[] {
  return table === 'post_updates' ? TABLES.posts.filter((c) => UPDATE_COLUMNS.has(c.name)) : TABLES[table];
}

/** The table name of a generation: only a table of the contract and an integer, never input. */
export function tailTableName(table: GenerationTable, gen: number): string {
  if (!Number.isSafeInteger(gen) || gen < 0) throw new RangeError(`bad tail generation ${gen}`);
  return `tail_${table}_g${gen}`;
}

export function createTailTableSql(table: GenerationTable, gen: number): string {
  const columns = tailColumns(table).map((c) => `"${c.name}" ${duckdbType(c)}`);
  return `CREATE TABLE ${tailTableName(table, gen)} (${columns.join(', ')}, ${TAIL_EXTRA_COLUMNS})`;
}

/**
 * SQL: each token of the posts rows of generation `gen` from rowid `$from` on, with the rowids holding it
 * (ascending): compaction's tokenization (tokenListSql) of the rows just appended, for the tail's text index
 * (tail-tokens.ts). A generation's tables are only ever appended to, so a rowid names one row for its lifetime.
 */
export function tailTokensSql(gen: number): string {
  return `SELECT token, list(row ORDER BY row) AS rows FROM (
    SELECT rowid AS row, unnest(${tokenListSql('text')}) AS token FROM ${tailTableName('posts', gen)} WHERE rowid >= $from
  ) GROUP BY token`;
}

/**
 * The posts rows of a generation a query's text can match (the tail's text index): a query whose every read of
 * the posts tests that text reads only these rows of the tail.
 */
export interface TailNarrowing {
  gen: number;
  /** rowids, ascending. */
  rows: readonly number[];
}

/** Which posts rows of the tail a read takes besides all of them: a text's candidates, or only the update rows. */
export type TailPostsRead = TailNarrowing | 'updates';

/** A table's contract columns, in order (what read_parquet of its files returns; of the update copy, its few). */
const columnList = (table: GenerationTable) =>
  tailColumns(table)
    .map((c) => `"${c.name}"`)
    .join(', ');

interface Binder {
  bind(value: DuckDBValue): string;
}

/**
 * The rows of a tail table a query reads: all of them, or of the posts only a text's candidates, or only the update
 * rows. The update rows come from a copy of their own: read from the posts table, a query with few candidates got
 * their uris pushed into that scan as a filter (DuckDB's join filter), tested on every row first (~20 ms over 500k
 * rows: long strings), where the copy holds a few hundred rows.
 */
function tailRows(sql: Binder, part: TailPart, read?: TailPostsRead): string {
  const table = tailTableName(part.table, part.gen);
  if (part.table !== 'posts' || read === undefined) return table;
  if (read === 'updates') return tailTableName('post_updates', part.gen);
  if (read.gen !== part.gen) return table;
  const { rows } = read;
  if (rows.length === 0) return `(SELECT * FROM ${table} WHERE false)`;
  // The LIMIT (never reached) is what makes this fast: DuckDB pushes no filter below a LIMIT, so the text test runs
  // on these rows only; without it the test went into the table scan, on every row, before the join.
  return `(SELECT * FROM ${table}
    WHERE rowid IN (SELECT unnest(${sql.bind(listValue(rows.map((r) => BigInt(r))))}::BIGINT[]))
      AND rowid BETWEEN ${sql.bind(BigInt(rows[0]))} AND ${sql.bind(BigInt(rows[rows.length - 1]))}
    LIMIT ${rows.length})`;
}

/**
 * The FROM source for a list of paths that holds tail paths: the data files through `readFiles` (the usual
 * read_parquet), UNION ALL BY NAME the tail rows of those days, as one parenthesised subquery. With `read`, only
 * some of the posts rows (tailRows).
 */
export function tailSource(
  sql: Binder,
  paths: readonly string[],
  readFiles: (files: string[]) => string,
  read?: TailPostsRead,
): string {
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
    ({
      part,
      days,
    }) => `SELECT ${columnList(read === 'updates' && part.table === 'posts' ? 'post_updates' : part.table)}
    FROM ${tailRows(sql, part, read)}
    WHERE sid >= ${sql.bind(part.lo)} AND sid < ${sql.bind(part.hiEx)}
      AND list_contains(${sql.bind(listValue(days))}::VARCHAR[], day)`,
  );
  if (files.length > 0) selects.unshift(`SELECT * FROM ${readFiles(files)}`);
  return `(${selects.join(' UNION ALL BY NAME ')})`;
}
