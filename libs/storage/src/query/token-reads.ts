import type { IndexedDay } from '../layout/list-data-files';
import type { Session } from '../duckdb/pool';
import { foldedTokenSql } from '../text-tokens';
import type { PostCursor } from './cursor';
import {
  POST_SELECT,
  SqlParams,
  filterConditions,
  orderBy,
  postsSource,
  visibleCte,
  type FileSets,
  type PostFilter,
  type PostSort,
  timestampParam,
} from './post-sql';
import { toPostRecord, type PostRecord } from './post-record';
import { filesOfKeys, timesPredicate } from './indexed-reads';
import { parseSearchText } from './search-text';
import { filesOverlapping } from './time-windows';
import { filesHolding, rowsInRange } from './file-spans';
import { vocabularyRows } from './vocabulary-source';
import { commonParts } from './common-tokens';
import { termParts } from './term-parts';
import { SEARCH_SLACK, nextSearchBatch } from './search-batch';

// Text search on compacted days through their token files (compaction/token-files.ts, text-tokens.ts). The token
// files only narrow WHERE to look: every candidate is read back and goes through the exact text predicate and the
// visibility rules (indexed-reads.ts), so the answer is the scan's answer.

/** A lookup of more distinct token keys than this (all days together) is no cheaper than the scan it replaces. */
const MAX_LOOKUP_KEYS = 128;
/**
 * A count reads every candidate back, ~15 ms per row group holding one (measured at a day: 50 spread candidates
 * 0.8 s, 1,200 candidates 5.5 s, a scan of the day ~2.5 s): past this many postings per day the scan is cheaper.
 */
export const MAX_COUNT_POSTINGS_PER_DAY = 100;

/** A token-shaped piece of one include term, and the keys of the rare tokens holding it, per day. */
export interface TokenLookup {
  part: string;
  /** Per date (YYYY-MM-DD): by-token keys of the tokens containing `part`; empty: no post of that day matches. */
  keys: Map<string, string[]>;
  /** Posts listed for those tokens, all days together (an upper bound of the candidates). */
  postings: number;
  /** The file holding the day's (key, indexed_at) postings: by-token unless given (by-facet: facet-strategy.ts). */
  postingsFile?: (day: IndexedDay) => string | undefined;
}

/**
 * How to find the matches of `text` on `days` (all with token files) through by-token, or undefined when that is
 * no cheaper than a scan: no include term has a letter or digit, or every part is held by a common token (no
 * postings) on some day, or by tokens of too many distinct keys. Of the usable parts, the one with the fewest
 * postings is taken.
 * A part that is itself a common token is ruled out first from the common tokens kept in memory (common-tokens.ts),
 * so a common word costs no read of the vocabularies; the others are matched in one read of the vocabulary rows that may hold
 * them (vocabulary-source.ts).
 */
export async function planTokenLookup(
  session: Session,
  days: readonly IndexedDay[],
  text: string,
  hints?: { commonDf?: number },
): Promise<TokenLookup | undefined> {
  const { include } = parseSearchText(text);
  if (include.length === 0 || days.length === 0) return undefined;
  const vocabularies = days.map((d) => d.tokens?.vocabulary as string);
  const parts = await termParts(session, text);
  const commonDf = await commonParts(session, vocabularies, parts);
  const common = new Set(commonDf.keys());
  // The rarest common part bounds how densely the text can match: what a scan's first window is sized from.
  if (hints && commonDf.size > 0) hints.commonDf = Math.min(...commonDf.values());
  const usable = parts.filter((p) => !common.has(p));
  if (usable.length === 0) return undefined;

  const v = new SqlParams();
  const matches = usable.map((p) => {
    // Folding the whole vocabulary costs twice the scan: only a part with a sigma needs it.
    const token = p.includes('σ') ? foldedTokenSql('token') : 'token';
    return `contains(${token}, ${v.bind(p)})`;
  });
  const source = await vocabularyRows(session, v, days, usable);
  const rows = source
    ? await session.all(
        `SELECT filename, key, df, posted, [${matches.join(', ')}] AS hit FROM ${source} WHERE ${matches.join(' OR ')}`,
        v.values,
      )
    : [];
  const dateOfVocabulary = new Map(days.map((d) => [d.tokens?.vocabulary as string, d.date]));
  let best: TokenLookup | undefined;
  usable.forEach((part, i) => {
    const keys = new Map(days.map((d) => [d.date, new Set<string>()]));
    const distinct = new Set<string>();
    let postings = 0;
    for (const r of rows) {
      if (!(r.hit as boolean[])[i]) continue;
      if (!r.posted) return; // a common token holds the part: no postings for it
      keys.get(dateOfVocabulary.get(r.filename as string) as string)?.add(r.key as string);
      distinct.add(r.key as string);
      postings += Number(r.df);
    }
    if (distinct.size > MAX_LOOKUP_KEYS) return;
    if (!best || postings < best.postings) {
      best = { part, keys: new Map([...keys].map(([d, k]) => [d, [...k]])), postings };
    }
  });
  return best;
}

/**
 * The share of the posts of `days` that may hold `text`, from its rarest part that is a common token there (known
 * from memory, common-tokens.ts, so no query once the vocabularies are loaded): an upper bound, as the text's other
 * parts only narrow. Undefined when no part is common on those days (the text is rare, or they have no tokens).
 */
export async function commonTextDensity(
  session: Session,
  days: readonly IndexedDay[],
  text: string,
): Promise<number | undefined> {
  const indexed = days.filter((d) => d.tokens);
  if (indexed.length === 0) return undefined;
  const parts = await termParts(session, text);
  const common = await commonParts(
    session,
    indexed.map((d) => d.tokens?.vocabulary as string),
    parts,
  );
  if (common.size === 0) return undefined;
  const rows = await rowsInRange(
    session,
    indexed.flatMap((d) => d.files),
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
  );
  return rows ? Math.min(1, Math.min(...common.values()) / rows) : undefined;
}

/**
 * The indexed_at (µs) of the posts of `days` listed for the lookup's tokens, newest first (OLDEST: oldest first), at
 * most `limit` distinct values, within [fromUs, toUs).
 */
export async function tokenCandidateTimes(
  session: Session,
  days: readonly IndexedDay[],
  lookup: TokenLookup,
  range: { fromUs?: number; toUs?: number },
  limit?: number,
  sort: PostSort = 'LATEST',
): Promise<number[]> {
  const sql = new SqlParams();
  const where: string[] = [];
  if (range.fromUs !== undefined) where.push(`indexed_at >= ${sql.bind(timestampParam(range.fromUs))}`);
  if (range.toUs !== undefined) where.push(`indexed_at < ${sql.bind(timestampParam(range.toUs))}`);
  // One lookup per distinct key over the postings files of the days holding it (each pruned to ~one row group).
  const filesByKey = new Map<string, string[]>();
  for (const day of days) {
    for (const key of lookup.keys.get(day.date) ?? []) {
      const file = lookup.postingsFile ? lookup.postingsFile(day) : day.tokens?.postings;
      if (file) filesByKey.set(key, [...(filesByKey.get(key) ?? []), file]);
    }
  }
  const lookups = [...filesByKey].map(
    ([key, files]) =>
      `SELECT indexed_at FROM ${sql.files(files)} WHERE ${[`key = ${sql.bind(key)}`, ...where].join(' AND ')}`,
  );
  if (lookups.length === 0) return [];
  const rows = await session.all(
    `SELECT DISTINCT epoch_us(indexed_at) AS t FROM (${lookups.join(' UNION ALL ')}) ORDER BY t ${sort === 'OLDEST' ? 'ASC' : 'DESC'}${limit === undefined ? '' : ` LIMIT ${limit}`}`,
    sql.values,
  );
  return rows.map((r) => Number(r.t));
}

/** The posts files of `days` that may hold `times` (µs), by partition. */
const filesOfTimes = (days: readonly IndexedDay[], times: readonly number[]) =>
  filesOfKeys(
    days,
    times.map((t) => ({ indexedAtUs: t })),
  );

/** The posts in `posts` at `times` (µs) that match `filter` (text checked exactly) and come after `position`. */
function candidatesSelect(
  sql: SqlParams,
  posts: readonly string[],
  times: readonly number[],
  filter: PostFilter,
  position?: PostCursor,
  sort: PostSort = 'LATEST',
): string {
  const lo = times.reduce((a, b) => Math.min(a, b));
  const hi = times.reduce((a, b) => Math.max(a, b)) + 1;
  // Every filter is checked on the rows read back (the postings narrow by one text part only).
  const where = filterConditions(sql, { ...filter, fromUs: lo, toUs: hi }, position, sort);
  where.push(timesPredicate(sql, times));
  return `SELECT * FROM ${sql.files([...posts])} p WHERE ${where.join(' AND ')}`;
}

/**
 * The next `want` visible matches of `filter.text` on `days` after `position`, in `sort` order, as full rows:
 * candidate times from by-token in that order, a batch at a time, each batch read back from the posts files (only
 * the row groups holding a candidate) and checked exactly, in one query.
 */
export async function indexedTextRows(
  session: Session,
  files: FileSets,
  days: readonly IndexedDay[],
  lookup: TokenLookup,
  filter: PostFilter,
  position: PostCursor | undefined,
  want: number,
  select = POST_SELECT,
  sort: PostSort = 'LATEST',
): Promise<PostRecord[]> {
  const out: PostRecord[] = [];
  const oldest = sort === 'OLDEST';
  let toUs = position && !oldest ? Math.min(filter.toUs ?? Infinity, position.indexedAtUs + 1) : filter.toUs;
  let fromUs = position && oldest ? Math.max(filter.fromUs ?? -Infinity, position.indexedAtUs) : filter.fromUs;
  let batch = want + SEARCH_SLACK;
  for (;;) {
    const range = {
      fromUs: fromUs === -Infinity ? undefined : fromUs,
      toUs: toUs === Infinity ? undefined : toUs,
    };
    const times = await tokenCandidateTimes(session, days, lookup, range, batch, sort);
    if (times.length === 0) return out;
    const lo = Math.min(times[0], times[times.length - 1]);
    const sql = new SqlParams();
    const posts = await filesHolding(session, filesOfTimes(days, times), times);
    const scope: FileSets = {
      ...files,
      posts,
      tombstones: filesOverlapping(files.tombstones, lo, Number.POSITIVE_INFINITY),
    };
    const updates = filesOverlapping(files.unindexed ?? [], lo, Number.POSITIVE_INFINITY);
    const cte = visibleCte(sql, scope, candidatesSelect(sql, posts, times, filter, position, sort), lo, updates);
    const rows = await session.all(
      `${cte} SELECT ${select} FROM visible p ${orderBy(sort)} LIMIT ${want - out.length}`,
      sql.values,
    );
    out.push(...rows.map(toPostRecord));
    if (out.length >= want || times.length < batch) return out;
    // Every post at a candidate time was read: go on strictly past the last one.
    if (oldest) fromUs = times[times.length - 1] + 1;
    else toUs = times[times.length - 1];
    batch = nextSearchBatch(times.length, rows.length, want - out.length);
  }
}

/**
 * The rows that may match `filter` (a text filter, in normal form): the candidates of `days` read back by the
 * postings' times, plus a scan of `rest` (the files without token files), as one SELECT over the alias `p`, every
 * predicate applied (visibility is the caller's); undefined when there is nothing to read.
 */
export async function tokenCandidates(
  session: Session,
  sql: SqlParams,
  files: FileSets,
  days: readonly IndexedDay[],
  lookup: TokenLookup,
  filter: PostFilter,
  rest: readonly string[],
): Promise<string | undefined> {
  const times = await tokenCandidateTimes(session, days, lookup, { fromUs: filter.fromUs, toUs: filter.toUs });
  const selects: string[] = [];
  if (times.length > 0)
    selects.push(candidatesSelect(sql, await filesHolding(session, filesOfTimes(days, times), times), times, filter));
  if (rest.length > 0)
    selects.push(
      `SELECT * FROM ${postsSource(sql, files, rest, filter)} p WHERE ${filterConditions(sql, filter).join(' AND ')}`,
    );
  return selects.length ? selects.join(' UNION ALL BY NAME ') : undefined;
}

/**
 * How many visible posts match `filter`: the candidates of `days` read back, plus a scan of `rest` (the files
 * without token files), counted together so a post in both is counted once.
 */
export async function countWithTokens(
  session: Session,
  files: FileSets,
  days: readonly IndexedDay[],
  lookup: TokenLookup,
  filter: PostFilter,
  rest: string[],
): Promise<number> {
  const sql = new SqlParams();
  const candidates = await tokenCandidates(session, sql, files, days, lookup, filter, rest);
  if (candidates === undefined) return 0;
  const updates = filesOverlapping(
    files.unindexed ?? [],
    filter.fromUs ?? Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
  );
  const cte = visibleCte(sql, files, candidates, filter.fromUs, updates);
  const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
  return Number(row.n);
}
