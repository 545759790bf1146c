import type { Row, Session } from '../../duckdb/pool';
import { EXACT_SCAN_ROWS, type CountLimits } from '../count/count-posts';
import type { RowCounts } from '../count/row-counts';
import { SqlParams, visibleCte, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';
import { filesOverlapping } from '../time-windows';
import { narrowedCandidates } from './narrowed-candidates';
import { sampledCandidates } from './sampled-days';

/** What an aggregate needs besides the files and the filter: the footer row counts and the count limits. */
export interface AggregateContext {
  rowCounts: RowCounts;
  limits?: CountLimits;
}

/** How a select over `visible` counts posts: the columns it must carry through its subqueries, and the aggregate. */
export interface PostCounting {
  columns: string;
  count: string;
}

/** The rows of an aggregate, and the days whose counts are estimates (empty: every count is exact). */
export interface VisibleAggregate {
  rows: Row[];
  /** Days answered from their sample (YYYY-MM-DD), ascending. */
  estimatedDates: string[];
}

/**
 * Runs `select` (over the alias `p` = `visible`: the visible posts matching `filter`, under the same rules as search:
 * deletes, superseded versions, hidden accounts) with the `WITH` of those posts in front. Exact when an index
 * narrows the rows to few (narrowedCandidates: an author's few rows, a rare word's postings, read back) or when the
 * range holds at most `exactScanRows` rows (one scan). Otherwise, when days in range have a sample, an estimate:
 * those days from their samples, each row weighted by its day's rows ÷ sample rows, plus an exact scan of the other
 * files (sampledCandidates); without samples (days compacted before they existed), one scan as before.
 * `select` counts with `PostCounting.count`: `count(*)` when every file is a compacted day (one row per post there,
 * a version has one day), else `count(DISTINCT p.uri)` (a flush replayed before compaction holds the same version
 * twice; the distinct cost ~0.5 s of ~0.9 s for an hourly volume of a 1M-post day); estimated, the sum of the
 * weights plus those counts over the rows without a weight (a DOUBLE).
 */
export async function aggregateVisible(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  context: AggregateContext,
  select: (counting: PostCounting) => string,
): Promise<VisibleAggregate> {
  const unique = files.indexed !== undefined && (files.unindexed ?? []).length === 0;
  const exactCount = unique ? 'count(*)' : 'count(DISTINCT p.uri)';
  const sql = new SqlParams();
  const { rowCounts, limits = {} } = context;
  const updates = filesOverlapping(
    files.unindexed ?? [],
    filter.fromUs ?? Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
  );

  const narrowed = await narrowedCandidates(session, sql, files, filter, rowCounts, limits);
  if (narrowed !== undefined) {
    // Nothing to read: the same aggregate over no rows (the select's shape, no I/O beyond the footers).
    const candidates = narrowed.select ?? `SELECT * FROM ${sql.files(files.posts)} p WHERE false`;
    const cte = visibleCte(sql, files, candidates, filter.fromUs, updates);
    return run(session, sql, cte, select({ columns: 'p.uri', count: exactCount }), []);
  }

  const overLimit = (await rowCounts.of(session, files.posts)) > (limits.exactScanRows ?? EXACT_SCAN_ROWS);
  const sampled = overLimit
    ? await sampledCandidates(session, sql, files, filter, rowCounts, limits.minSampleRows)
    : undefined;
  if (sampled !== undefined) {
    const cte = visibleCte(sql, files, sampled.select, filter.fromUs, updates);
    // The sampled rows' weights, plus the rows read whole counted as the exact paths count them.
    const count = `coalesce(sum(p.weight), 0) + ${exactCount} FILTER (WHERE p.weight IS NULL)`;
    return run(session, sql, cte, select({ columns: 'p.uri, p.weight', count }), sampled.dates);
  }

  const cte = visiblePostsCte(sql, files, filter);
  return run(session, sql, cte, select({ columns: 'p.uri', count: exactCount }), []);
}

async function run(
  session: Session,
  sql: SqlParams,
  cte: string,
  select: string,
  estimatedDates: string[],
): Promise<VisibleAggregate> {
  return { rows: await session.all(`${cte} ${select}`, sql.values), estimatedDates };
}
