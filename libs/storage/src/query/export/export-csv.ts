import type { Session } from '../../duckdb/pool';
import { CSV_SELECT, pathLiteral } from '../csv-export-sql';
import {
  SqlParams,
  filterConditions,
  orderBy,
  postsSource,
  visiblePostsCte,
  type FileSets,
  type PostFilter,
  type PostSort,
} from '../post-sql';
import { filesOverlapping, scanBounds } from '../time-windows';
import { latestHandlesSql } from '../identities';

const DAY_US = 86_400_000_000;

/**
 * Has DuckDB write the newest `limit` visible posts matching `filter` in `files` to `path` as CSV (RFC 4180:
 * header row, CRLF, quotes doubled; text cells neutralised, see CSV_SELECT); returns the rows written.
 *
 * Formatting and sorting every matching row before the LIMIT costs minutes at a day of data. So the indexed_at of
 * the limit-th newest match is found first (exportEdge), and only rows from there on are formatted. 5 % slack for
 * hidden and duplicated rows makes one pass usually enough; otherwise the edge moves further back. OLDEST writes
 * the oldest `limit` rows, oldest first, the edge found from the start of the range. The authors' handles come
 * from `identityFiles` by one join of the page's rows (the rows of their DIDs only), after the LIMIT.
 */
export async function writeCsv(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  limit: number,
  path: string,
  sort: PostSort = 'LATEST',
  identityFiles: string[] = [],
): Promise<number> {
  let skip = Math.ceil(limit * 1.05) - 1;
  for (;;) {
    const edge = await exportEdge(session, files, filter, skip, sort);
    const range =
      edge === undefined
        ? {}
        : sort === 'OLDEST'
          ? { toUs: Math.min(edge + 1, filter.toUs ?? Number.MAX_SAFE_INTEGER) }
          : { fromUs: Math.max(edge, filter.fromUs ?? Number.MIN_SAFE_INTEGER) };
    const scoped = { ...filter, ...range };
    const sql = new SqlParams();
    const cte = visiblePostsCte(sql, files, scoped);
    // DISTINCT ON the sort key drops exact duplicates (one version twice); older versions are hidden already.
    const handles = identityFiles.length
      ? latestHandlesSql(sql, identityFiles, 'SELECT did FROM page')
      : 'SELECT NULL::VARCHAR AS did, NULL::VARCHAR AS handle WHERE false';
    const query = `${cte},
      page AS (SELECT DISTINCT ON (p.indexed_at, p.uri) p.* FROM visible p ${orderBy(sort)} LIMIT ${limit}),
      handles AS (${handles})
      SELECT ${CSV_SELECT} FROM page p LEFT JOIN handles h ON h.did = p.did ${orderBy(sort)}`;
    const written = await session.run(
      `COPY (${query}) TO ${pathLiteral(path)} (FORMAT csv, HEADER, NEW_LINE '\r\n')`,
      sql.values,
    );
    // Fewer rows than asked although older matches exist: hidden or duplicated rows took room; widen.
    if (written >= limit || edge === undefined) return written;
    skip = Math.ceil(((skip + 1) * limit * 1.1) / Math.max(written, 1));
  }
}

/**
 * The indexed_at (µs) of the (skip+1)-th newest match, or undefined when there are fewer matches: a one-column
 * top-N over the newest day's files, then the newest 4, 16… days until found (counted before visibility: cheap,
 * no uri read; hidden rows only move it earlier). At a month, one top-N over every file cost ~10 s more.
 */
async function exportEdge(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  skip: number,
  sort: PostSort,
): Promise<number | undefined> {
  const bounds = scanBounds(files.posts, filter.fromUs, filter.toUs);
  const oldest = sort === 'OLDEST';
  for (let days = 1; ; days *= 4) {
    let lo = bounds.lo;
    let hi = bounds.hi;
    if (oldest && Number.isFinite(bounds.lo)) hi = Math.min(bounds.hi, bounds.lo + days * DAY_US);
    if (!oldest && Number.isFinite(bounds.hi)) lo = Math.max(bounds.lo, bounds.hi - days * DAY_US);
    const whole = !(lo > bounds.lo) && !(hi < bounds.hi);
    const sql = new SqlParams();
    const scoped = whole ? filter : { ...filter, fromUs: lo, toUs: hi };
    const where = filterConditions(sql, scoped);
    const scope = whole ? files.posts : filesOverlapping(files.posts, lo, hi);
    const [edge] = await session.all(
      `SELECT epoch_us(p.indexed_at) AS t FROM ${postsSource(sql, files, scope, scoped)} p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY p.indexed_at ${oldest ? 'ASC' : 'DESC'} LIMIT 1 OFFSET ${skip}`,
      sql.values,
    );
    if (edge) return Number(edge.t);
    if (whole) return undefined;
  }
}
