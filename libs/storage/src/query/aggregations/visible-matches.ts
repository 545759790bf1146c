import type { Session } from '../../duckdb/pool';
import type { CountLimits } from '../count/count-posts';
import type { RowCounts } from '../count/row-counts';
import { SqlParams, visibleCte, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';
import { filesOverlapping } from '../time-windows';
import { narrowedCandidates } from './narrowed-candidates';

/** What an aggregate needs besides the files and the filter: the footer row counts and the count limits. */
export interface AggregateContext {
  rowCounts: RowCounts;
  limits?: CountLimits;
}

/**
 * Runs `select` (over the alias `p` = `visible`: the visible posts matching `filter`, under the same rules as search:
 * deletes, superseded versions, hidden accounts) with the `WITH` of those posts in front. An author's few rows or a
 * rare word's postings are read back through the side files (narrowedCandidates); otherwise one scan of the range's
 * files (a common word needs every matching row). `select` gets the expression that counts posts: `count(*)` when
 * every file is a compacted day with side files (one row per post there, a version has one day), else
 * `count(DISTINCT p.uri)` (a flush replayed before compaction holds the same version twice). The distinct cost
 * ~0.5 s of ~0.9 s for an hourly volume of a 1M-post day.
 */
export async function aggregateVisible(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  context: AggregateContext,
  select: (sql: SqlParams, countPosts: string) => string,
): Promise<Record<string, unknown>[]> {
  const unique = files.indexed !== undefined && (files.unindexed ?? []).length === 0;
  const sql = new SqlParams();
  const narrowed = await narrowedCandidates(session, sql, files, filter, context.rowCounts, context.limits);
  let cte: string;
  if (narrowed === undefined) {
    cte = visiblePostsCte(sql, files, filter);
  } else {
    // Nothing to read: the same aggregate over no rows (the select's shape, no I/O beyond the footers).
    const candidates = narrowed.select ?? `SELECT * FROM ${sql.files(files.posts)} p WHERE false`;
    const updates = filesOverlapping(
      files.unindexed ?? [],
      filter.fromUs ?? Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
    );
    cte = visibleCte(sql, files, candidates, filter.fromUs, updates);
  }
  return session.all(`${cte} ${select(sql, unique ? 'count(*)' : 'count(DISTINCT p.uri)')}`, sql.values);
}
