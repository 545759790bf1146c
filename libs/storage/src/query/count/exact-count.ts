import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';
import { SqlParams, filterConditions, visibleCte, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';
import { filesOverlapping } from '../time-windows';

/** How many visible posts match the filter in `files` (each post once): one scan of every file. */
export async function scanCount(session: Session, files: FileSets, filter: PostFilter): Promise<number> {
  const sql = new SqlParams();
  const cte = visiblePostsCte(sql, files, filterConditions(sql, filter), filter.fromUs);
  const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
  return Number(row.n);
}

/**
 * An author's visible posts without a text filter: the compacted days through by-author (a statistics-pruned
 * lookup of one did: the posts files are not read at all), plus a scan of the files without side files, under the
 * same visibility rules as the scan. On a compacted day time_us is indexed_at (both are Jetstream's time_us).
 */
export async function authorIndexCount(
  session: Session,
  files: FileSets,
  filter: PostFilter & { author: string },
): Promise<number> {
  const days = files.indexed ?? [];
  const sql = new SqlParams();
  const where = filterConditions(sql, { author: filter.author, fromUs: filter.fromUs, toUs: filter.toUs });
  const selects = [
    `SELECT p.uri, p.did, epoch_us(p.indexed_at) AS time_us FROM read_parquet(${sql.bind(
      listValue(days.map((d) => d.byAuthor)),
    )}::VARCHAR[], hive_partitioning = false) p WHERE ${where.join(' AND ')}`,
  ];
  const rest = files.unindexed ?? [];
  if (rest.length > 0) {
    selects.push(`SELECT p.uri, p.did, p.time_us FROM ${sql.files(rest)} p WHERE ${where.join(' AND ')}`);
  }
  const updates = filesOverlapping(rest, filter.fromUs ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const cte = visibleCte(sql, files, selects.join(' UNION ALL '), filter.fromUs, updates);
  const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
  return Number(row.n);
}
