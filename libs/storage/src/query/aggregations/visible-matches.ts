import type { Session } from '../../duckdb/pool';
import { SqlParams, filterConditions, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';

/**
 * Runs `select` (over the alias `p` = `visible`: the visible posts matching `filter`, under the same rules as search:
 * deletes, superseded versions, hidden accounts) with the `WITH` of those posts in front. One scan of the range's
 * files: the side files cannot serve an aggregate (by-author and the postings narrow to few rows, an aggregate of a
 * common word needs them all). Exact duplicates (one version twice, before compaction) are left to the caller's
 * `count(DISTINCT p.uri)`.
 */
export async function aggregateVisible(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  select: (sql: SqlParams) => string,
): Promise<Record<string, unknown>[]> {
  const sql = new SqlParams();
  const cte = visiblePostsCte(sql, files, filterConditions(sql, filter), filter.fromUs);
  return session.all(`${cte} ${select(sql)}`, sql.values);
}
