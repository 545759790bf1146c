import { listValue } from '@duckdb/node-api';
import { partitionDate } from '../layout/partition';
import type { IndexedDay } from '../layout/list-data-files';
import type { Session } from '../duckdb/pool';
import type { PostCursor } from './cursor';
import { toPostRecord, type PostRecord } from './post-record';
import {
  POST_SELECT,
  SqlParams,
  filterConditions,
  orderBy,
  visibleCte,
  type FileSets,
  type PostFilter,
  type PostSort,
  timestampParam,
} from './post-sql';
import { filesOverlapping } from './time-windows';
import { filesHolding } from './file-spans';
import { nextSearchBatch } from './search-batch';

// Reads through the side files of compacted days (compaction/side-files.ts). A side file only says where a live
// row sits; the row itself is read back from the posts files and goes through the same visibility rules as a
// scan (deletes, supersedes and account status that arrived after the compaction still hide it).

/** Candidates read from by-author per round when there is no text filter, beyond the page itself. */
const AUTHOR_SLACK = 16;
/**
 * Candidates of the first round with a text filter when the text's density is unknown: 4× the page (most of an
 * author's posts may fail the text; but each candidate costs its row group's read, so a text the author uses often
 * should not read 4,096 of them for one page). Later rounds are sized from the share that matched
 * (nextSearchBatch, at most 4,096).
 */
export const AUTHOR_TEXT_FIRST_BATCH = 4;

/** `p.indexed_at IN (…)` for the keys' times: see timesPredicate. */
export function keyTimesPredicate(sql: SqlParams, keys: readonly PostCursor[]): string {
  return timesPredicate(
    sql,
    keys.map((k) => k.indexedAtUs),
  );
}

/**
 * Up to this many times are listed as bound values: DuckDB tests each against a row group's min/max, so only the
 * groups holding a key are read, wherever the keys lie (measured at an 8.1M-post day in 4,096-row groups: 67
 * scattered keys 60 ms). Through `IN (SELECT unnest($list))` it pushes only the keys' min..max into the scan, which
 * for keys spread over the day is the whole file (1.2 s, 3.1 s with a text test). More keys than this are usually
 * clustered (a batch of an author's newest posts), where min..max prunes as well and the subquery plans faster
 * (4,096 clustered keys: 154 ms against 231 ms listed).
 */
const MAX_LISTED_TIMES = 512;

/**
 * keyTimesPredicate for bare indexed_at values (µs). A listed IN prunes row groups by min/max, but DuckDB turns it
 * into a join after the scan, which then materialises every row of each group it reads; the same list as
 * list_contains is a filter the scan applies itself, so only the matching rows are (measured: 54 scattered keys of
 * an 8.1M-post day, 38 → 32 ms, CPU −26 %).
 */
export function timesPredicate(sql: SqlParams, times: readonly number[]): string {
  const distinct = [...new Set(times)];
  if (distinct.length <= MAX_LISTED_TIMES) {
    const listed = `p.indexed_at IN (${distinct.map((t) => sql.bind(timestampParam(t))).join(', ')})`;
    return `${listed} AND list_contains(${sql.bind(listValue(distinct.map((t) => timestampParam(t))))}::TIMESTAMP[], p.indexed_at)`;
  }
  return `p.indexed_at IN (SELECT unnest(${sql.bind(listValue(distinct.map((t) => timestampParam(t))))}::TIMESTAMP[]))`;
}

/** The compacted files of the indexed days that hold `keys` (a key's day is the UTC date of its indexed_at). */
export function filesOfKeys(days: readonly IndexedDay[], keys: readonly Pick<PostCursor, 'indexedAtUs'>[]): string[] {
  const dates = new Set(keys.map((k) => partitionDate(k.indexedAtUs)));
  return days.filter((d) => dates.has(d.date)).flatMap((d) => d.files);
}

/**
 * The next `want` visible posts of `filter.author` on the indexed days, after `position`, in `sort` order, as full
 * rows. Candidates come from by-author (min/max statistics on did skip every other row group), a batch at a time;
 * each batch is read back from the posts files by indexed_at (only the row groups holding a candidate), checked
 * against the text terms and the visibility rules, in one query.
 *
 * Update rows inside the compacted files are not scanned for hiding: compaction kept one version per uri there,
 * and a newer version on another day comes with its supersede tombstone (which is read). Update rows of the
 * unindexed files are still read, as the scan does.
 */
export async function indexedAuthorRows(
  session: Session,
  files: FileSets,
  filter: PostFilter & { author: string },
  position: PostCursor | undefined,
  want: number,
  select = POST_SELECT,
  sort: PostSort = 'LATEST',
  textDensity?: number,
): Promise<PostRecord[]> {
  const days = files.indexed ?? [];
  if (days.length === 0) return [];
  let batch: number;
  if (filter.text === undefined) batch = want + AUTHOR_SLACK;
  // As many of the author's posts as should hold the page at the text's density, in one round.
  else if (textDensity !== undefined) batch = nextSearchBatch(Math.ceil(want / textDensity), want, want);
  else batch = want * AUTHOR_TEXT_FIRST_BATCH;
  const out: PostRecord[] = [];
  let from = position;
  for (;;) {
    const cand = await authorKeys(session, days, filter, from, batch, sort);
    if (cand.length === 0) return out;
    const lo = Math.min(cand[0].indexedAtUs, cand[cand.length - 1].indexedAtUs);
    const hi = Math.max(cand[0].indexedAtUs, cand[cand.length - 1].indexedAtUs) + 1;
    const sql = new SqlParams();
    // Every filter is checked on the rows read back (by-author narrows by author and range only).
    const conds = filterConditions(sql, { ...filter, fromUs: lo, toUs: hi });
    conds.push(
      keyTimesPredicate(sql, cand),
      `p.uri IN (SELECT unnest(${sql.bind(listValue(cand.map((k) => k.uri)))}::VARCHAR[]))`,
    );
    const posts = await filesHolding(
      session,
      filesOfKeys(days, cand),
      cand.map((k) => k.indexedAtUs),
    );
    const scope: FileSets = {
      ...files,
      posts,
      tombstones: filesOverlapping(files.tombstones, lo, Number.POSITIVE_INFINITY),
    };
    const updates = filesOverlapping(files.unindexed ?? [], lo, Number.POSITIVE_INFINITY);
    const cte = visibleCte(sql, scope, `SELECT * FROM ${sql.files(posts)} p WHERE ${conds.join(' AND ')}`, lo, updates);
    const rows = await session.all(
      `${cte} SELECT ${select} FROM visible p ${orderBy(sort)} LIMIT ${want - out.length}`,
      sql.values,
    );
    out.push(...rows.map(toPostRecord));
    if (out.length >= want || cand.length < batch) return out;
    if (filter.text !== undefined) batch = nextSearchBatch(cand.length, rows.length, want - out.length);
    from = cand[cand.length - 1];
  }
}

/**
 * The next `limit` keys of `filter.author` (and its range) after `from` in `sort` order, from the days' by-author
 * files. Days are disjoint in time, so they are read in sort order from the cursor's day, in groups of 1, 2, 4, …
 * days until the limit is met: an author posting all day long (a bot: 100k posts a day) is served by the newest
 * day alone, where one query over a month's by-author files read all of the author's row groups of every day
 * (3M rows) to sort out the newest; an author with few posts costs a handful of queries.
 */
async function authorKeys(
  session: Session,
  days: readonly IndexedDay[],
  filter: PostFilter & { author: string },
  from: PostCursor | undefined,
  limit: number,
  sort: PostSort,
): Promise<PostCursor[]> {
  const latest = sort === 'LATEST';
  const cursorDay = from && partitionDate(from.indexedAtUs);
  const ordered = [...days]
    .filter((d) => cursorDay === undefined || (latest ? d.date <= cursorDay : d.date >= cursorDay))
    .sort((a, b) => (a.date < b.date ? 1 : -1) * (latest ? 1 : -1));
  const out: PostCursor[] = [];
  for (let i = 0, size = 1; i < ordered.length && out.length < limit; i += size, size *= 2) {
    const sql = new SqlParams();
    const where = filterConditions(
      sql,
      { author: filter.author, fromUs: filter.fromUs, toUs: filter.toUs },
      from,
      sort,
    );
    const sides = ordered.slice(i, i + size).map((d) => d.byAuthor);
    const rows = await session.all(
      `SELECT epoch_us(p.indexed_at) AS indexed_at, p.uri FROM ${sql.files(sides)} p WHERE ${where.join(' AND ')}
       ${orderBy(sort)} LIMIT ${limit - out.length}`,
      sql.values,
    );
    out.push(...rows.map((r) => ({ indexedAtUs: Number(r.indexed_at), uri: r.uri as string })));
  }
  return out;
}

/** The author DID inside a post uri (at://<did>/app.bsky.feed.post/<rkey>), or undefined if it has none. */
export function didOfUri(uri: string): string | undefined {
  const m = /^at:\/\/(did:[^/]+)\/app\.bsky\.feed\.post\/[^/]+$/.exec(uri);
  return m?.[1];
}

/**
 * Where `uris` live on the indexed days, from by-author (a uri holds its author's did): one equality lookup per
 * uri (a UNION ALL), each pruned by min/max statistics on did to the author's row group per day. A uri that
 * holds no did cannot be a stored post's.
 */
export async function indexedUriKeys(
  session: Session,
  days: readonly IndexedDay[],
  uris: readonly string[],
): Promise<PostCursor[]> {
  const lookups = uris.flatMap((uri) => {
    const did = didOfUri(uri);
    return did ? [{ uri, did }] : [];
  });
  if (days.length === 0 || lookups.length === 0) return [];
  const sql = new SqlParams();
  const sides = sql.bind(listValue(days.map((d) => d.byAuthor)));
  const parts = lookups.map(
    ({ uri, did }) =>
      `SELECT epoch_us(indexed_at) AS indexed_at, uri FROM read_parquet(${sides}::VARCHAR[], hive_partitioning = false)
       WHERE did = ${sql.bind(did)} AND uri = ${sql.bind(uri)}`,
  );
  const rows = await session.all(parts.join(' UNION ALL '), sql.values);
  return rows.map((r) => ({ indexedAtUs: Number(r.indexed_at), uri: r.uri as string }));
}

/**
 * The visible posts among `uris`: rows found through by-uri are read by (indexed_at, uri) from their days' files;
 * every uri is also looked for by scan in the unindexed files (a newer version may sit in today's flushes). One
 * visibility pass over both. Returns rows selected with POST_SELECT.
 */
export async function lookupRows(session: Session, files: FileSets, uris: readonly string[]) {
  const days = files.indexed ?? [];
  const unindexed = files.unindexed ?? files.posts;
  const keys = await indexedUriKeys(session, days, uris);
  const sql = new SqlParams();
  const selects: string[] = [];
  const read: string[] = [];
  if (keys.length > 0) {
    const posts = filesOfKeys(days, keys);
    read.push(...posts);
    selects.push(
      `SELECT * FROM ${sql.files(posts)} p WHERE ${keyTimesPredicate(sql, keys)}
       AND p.uri IN (SELECT unnest(${sql.bind(listValue(keys.map((k) => k.uri)))}::VARCHAR[]))`,
    );
  }
  if (unindexed.length > 0) {
    read.push(...unindexed);
    selects.push(
      `SELECT * FROM ${sql.files(unindexed)} p WHERE p.uri IN (SELECT unnest(${sql.bind(listValue([...uris]))}::VARCHAR[]))`,
    );
  }
  if (selects.length === 0) return [];
  // Update rows of the compacted files need no scan: by-uri listed every version of each uri on the indexed days,
  // so they are all candidates, and only the newest visible one is kept.
  const cte = visibleCte(sql, { ...files, posts: read }, selects.join(' UNION ALL BY NAME '), undefined, unindexed);
  return session.all(
    `${cte} SELECT ${POST_SELECT} FROM visible p QUALIFY row_number() OVER (PARTITION BY p.uri ORDER BY p.time_us DESC) = 1`,
    sql.values,
  );
}
