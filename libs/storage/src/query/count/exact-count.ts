import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';
import {
  SqlParams,
  filterConditions,
  postsSource,
  visibleCte,
  visiblePostsCte,
  type FileSets,
  type PostFilter,
} from '../post-sql';
import { filesOfKeys, keyTimesPredicate } from '../indexed-reads';
import { filesOverlapping } from '../time-windows';

/** How many visible posts match the filter in `files` (each post once): one scan of every file. */
export async function scanCount(session: Session, files: FileSets, filter: PostFilter): Promise<number> {
  const sql = new SqlParams();
  const cte = visiblePostsCte(sql, files, filter);
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

/**
 * An author's visible posts matching every other filter (text, lang, tag, …), exactly, when the author has at most
 * `maxCandidates` rows in range on the indexed days: those rows' keys from by-author, read back from the posts
 * files (only the row groups holding one) and checked by every predicate, plus a scan of `rest` (the files without
 * side files), under the visibility rules; undefined when the author has more (reading them back would cost more
 * than the estimate's sample).
 */
export async function authorReadBackCount(
  session: Session,
  files: FileSets,
  filter: PostFilter & { author: string },
  rest: readonly string[],
  maxCandidates: number,
): Promise<number | undefined> {
  const sql = new SqlParams();
  const candidates = await authorCandidates(session, sql, files, filter, rest, maxCandidates);
  if (candidates === undefined) return undefined;
  if (candidates.select === undefined) return 0;
  const updates = filesOverlapping(rest, filter.fromUs ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const cte = visibleCte(sql, files, candidates.select, filter.fromUs, updates);
  const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
  return Number(row.n);
}

/**
 * The rows that may match `filter` (with an author): the author's by-author rows of the indexed days read back,
 * plus a scan of `rest`, as one SELECT over the alias `p` with every predicate applied (`select` undefined: nothing
 * to read); undefined when the author has more than `maxCandidates` rows in range on the indexed days.
 */
export async function authorCandidates(
  session: Session,
  sql: SqlParams,
  files: FileSets,
  filter: PostFilter & { author: string },
  rest: readonly string[],
  maxCandidates: number,
): Promise<{ select?: string } | undefined> {
  const days = files.indexed ?? [];
  const c = new SqlParams();
  const where = filterConditions(c, { author: filter.author, fromUs: filter.fromUs, toUs: filter.toUs });
  const cand = (
    await session.all(
      `SELECT epoch_us(p.indexed_at) AS indexed_at, p.uri FROM ${c.files(days.map((d) => d.byAuthor))} p
       WHERE ${where.join(' AND ')} LIMIT ${maxCandidates + 1}`,
      c.values,
    )
  ).map((r) => ({ indexedAtUs: Number(r.indexed_at), uri: r.uri as string }));
  if (cand.length > maxCandidates) return undefined;
  const selects: string[] = [];
  if (cand.length > 0) {
    const times = cand.map((k) => k.indexedAtUs);
    const lo = Math.min(...times);
    const hi = Math.max(...times) + 1;
    const conds = filterConditions(sql, { ...filter, fromUs: lo, toUs: hi });
    conds.push(
      keyTimesPredicate(sql, cand),
      `p.uri IN (SELECT unnest(${sql.bind(listValue(cand.map((k) => k.uri)))}::VARCHAR[]))`,
    );
    selects.push(`SELECT * FROM ${sql.files(filesOfKeys(days, cand))} p WHERE ${conds.join(' AND ')}`);
  }
  if (rest.length > 0) {
    selects.push(
      `SELECT * FROM ${postsSource(sql, files, rest, filter)} p WHERE ${filterConditions(sql, filter).join(' AND ')}`,
    );
  }
  return { select: selects.length ? selects.join(' UNION ALL BY NAME ') : undefined };
}
