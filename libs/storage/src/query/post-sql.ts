import { listValue, timestampValue } from '@duckdb/node-api';
import { POST_COLUMNS } from '@bsky-explorer/schema';
import type { Params } from '../duckdb/pool';
import type { IndexedDay } from '../layout/list-data-files';
import type { PostCursor } from './cursor';
import { parseSearchText } from './search-text';
import { casePrefilterRegex } from './case-prefilter';
import { isPostsFile, postsWithDerivedColumns } from '../posts-columns';
import { filesOverlapping } from './time-windows';
import { hidingFiles } from './applied-tombstones';
import type { AccountStatusTables } from './account-status';
import { isTailPath } from '../tail/tail-path';
import { tailSource, type TailNarrowing, type TailPostsRead } from '../tail/tail-sql';

/** The filters shared by search, count and export. Timestamps in µs; from inclusive, to exclusive. */
export interface PostFilter {
  text?: string;
  fromUs?: number;
  toUs?: number;
  /** An author DID (compared exactly), or a handle before PostStore resolved it (resolveFilter with a HandleMap). */
  author?: string;
  /** Languages, lower-cased BCP-47 (normalizeLang): a post declaring any of them (or a subtag: en → en-US). */
  langs?: string[];
  /** Hashtags, lower-cased without "#" (normalizeTag): a post holding every one of them (any case, with or without #). */
  tags?: string[];
  /** A mentioned DID (or a handle before resolution, as author). */
  mentions?: string;
  /** A host (normalizeDomain): a post linking to it or a subdomain of it (facet links or external embed). */
  domain?: string;
  /** A URL in normal form (normalizeUrl): a post linking to it (facet links or external embed). */
  url?: string;
}

/** Page order: LATEST is newest indexed_at first (ties by uri descending), OLDEST the exact reverse. */
export type PostSort = 'LATEST' | 'OLDEST';

/** `ORDER BY` of page order over the alias `p`. */
export function orderBy(sort: PostSort = 'LATEST'): string {
  return sort === 'OLDEST' ? 'ORDER BY p.indexed_at ASC, p.uri ASC' : 'ORDER BY p.indexed_at DESC, p.uri DESC';
}

/** The Parquet files one query reads, listed once (a consistent set, see listDataFiles). */
export interface FileSets {
  posts: string[];
  tombstones: string[];
  accounts: string[];
  /** Compacted days of `posts` with side files (read by key through them); absent: scan everything. */
  indexed?: IndexedDay[];
  /** The rest of `posts` (flush files, compacted days without side files). */
  unindexed?: string[];
  /** The latest status of the accounts of the Parquet files of `accounts`, precomputed (account-status.ts). */
  accountStatus?: AccountStatusTables;
  /**
   * The tail's posts rows that can match `text` (its text index, query/tail-text.ts): reads that test that text
   * read only these rows of the tail (postsSource). Absent: every tail row is read.
   */
  tailText?: TailNarrowing & { text: string };
}

/** The posts files an index cannot narrow: flush files and the compacted days that lack it (`has`). */
export function filesWithout(files: FileSets, has: (day: IndexedDay) => boolean): string[] {
  return [...(files.unindexed ?? []), ...(files.indexed ?? []).filter((d) => !has(d)).flatMap((d) => d.files)];
}

/** The posts files a text search must scan: flush files and compacted days without token files. */
export function filesWithoutTokens(files: FileSets): string[] {
  return filesWithout(files, (d) => Boolean(d.tokens));
}

export type PostColumnName = (typeof POST_COLUMNS)[number]['name'];

/** The columns every read returns whatever is asked: the key of a post version, its author and its time_us. */
const KEY_COLUMNS: readonly PostColumnName[] = ['uri', 'indexed_at', 'did', 'time_us'];

/**
 * The SELECT list of post columns as the reader returns them (timestamps as µs BIGINT): `columns` and the key
 * columns, or every column. Reading back only what a client asked for skips the other column chunks of each row
 * group a page touches (measured: 50 scattered rows with 3 columns 52 ms against 133 ms with all of them).
 */
export function postSelect(columns?: readonly PostColumnName[]): string {
  const wanted = columns ? new Set<string>([...KEY_COLUMNS, ...columns]) : undefined;
  return POST_COLUMNS.filter((c) => !wanted || wanted.has(c.name))
    .map((c) => (c.type === 'timestamp_us' ? `epoch_us(p.${c.name}) AS ${c.name}` : `p.${c.name}`))
    .join(', ');
}

/** Every post column as the reader returns it. */
export const POST_SELECT = postSelect();

/** Builds SQL text with every value bound as a named parameter ($p0, $p1, …); only constants are spliced. */
export class SqlParams {
  readonly values: Params = {};
  private n = 0;
  bind(value: Params[string]): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `$${name}`;
  }
  /** The FROM source of data files (and the tail's pseudo files; of its posts only those `tail` says, if given). */
  files(paths: string[], tail?: TailPostsRead): string {
    // The tail's pseudo files (tail/tail-path.ts) read its in-memory rows with the real files.
    if (paths.some(isTailPath)) return tailSource(this, paths, (files) => this.files(files), tail);
    // read_parquet accepts a bound VARCHAR[]: no path is ever spliced into SQL text.
    const read = `read_parquet(${this.bind(listValue(paths))}::VARCHAR[], hive_partitioning = false)`;
    return paths.length > 0 && paths.every(isPostsFile) ? postsWithDerivedColumns(read) : read;
  }
}

/**
 * The FROM source of posts files for a read whose WHERE holds filterConditions of `filter`: when files.tailText is
 * for the filter's very text, the tail's posts rows are narrowed to its candidates (a row outside them cannot pass
 * that text test). Any other read of the posts (update rows, row counts, keys) must use sql.files.
 */
export function postsSource(sql: SqlParams, files: FileSets, paths: readonly string[], filter: PostFilter): string {
  return sql.files([...paths], tailNarrowing(files, filter));
}

/** files.tailText when it is for the filter's text: a read testing that text reads only those tail rows. */
export function tailNarrowing(files: FileSets, filter: PostFilter): TailNarrowing | undefined {
  const tail = files.tailText;
  return tail !== undefined && tail.text === filter.text ? tail : undefined;
}

/** A µs time as a bound TIMESTAMP value (integers only: a fraction would be silently truncated). */
export function timestampParam(value: number, what = 'time'): ReturnType<typeof timestampValue> {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be an integer number of µs`);
  return timestampValue(BigInt(value));
}
const us = timestampParam;

/**
 * One search term as a predicate on p.text. Case folding is DuckDB's lower() (Unicode simple case mapping, every
 * script) on both sides, plus Greek final sigma folded to σ when the term has a sigma (lower('Σ') is 'σ', never
 * 'ς'). German ß is not expanded to 'ss' (full case folding): 'STRASSE' does not match 'straße'. A term without
 * cased letters (digits, CJK, emoji) skips lower(text), which is the costly part of the scan. contains() has no
 * wildcards: % _ \ are literal. A cased term is first tested by casePrefilterRegex (a superset, far cheaper).
 */
function termPredicate(sql: SqlParams, term: string): string {
  const t = sql.bind(term);
  if (term.toLowerCase() === term && term.toUpperCase() === term) return `contains(p.text, ${t})`;
  const exact = /[σςΣ]/u.test(term)
    ? `contains(replace(lower(p.text), 'ς', 'σ'), replace(lower(${t}), 'ς', 'σ'))`
    : `contains(lower(p.text), lower(${t}))`;
  // CASE, not AND: DuckDB then evaluates lower() only on the rows the prefilter passes (with AND it did not).
  return `(CASE WHEN regexp_matches(p.text, ${sql.bind(casePrefilterRegex(term))}) THEN ${exact} ELSE false END)`;
}

/** The hosts a post links to (facet links and the external embed), lower-cased, without "www.". */
export const LINKED_HOSTS_SQL = `list_distinct(list_filter(list_transform(
    list_concat(coalesce(p.links, []::VARCHAR[]), CASE WHEN p.external_uri IS NULL THEN []::VARCHAR[] ELSE [p.external_uri] END),
    lambda u: regexp_replace(lower(regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)', 1)), '^www\\.', '')),
  lambda h: h <> ''))`;

/** The URLs a post links to in normalizeUrl's form: scheme and host lower-cased, trailing slashes dropped. */
export const LINKED_URLS_SQL = `list_transform(
    list_concat(coalesce(p.links, []::VARCHAR[]), CASE WHEN p.external_uri IS NULL THEN []::VARCHAR[] ELSE [p.external_uri] END),
    lambda u: rtrim(lower(regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*')) || substr(u, length(regexp_extract(u, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*')) + 1), '/'))`;

/** A post's raw URLs (facet links and the external embed) in one string: a cheap superset test before the lambdas. */
const RAW_LINKS_SQL = `(coalesce(array_to_string(p.links, ' '), '') || ' ' || coalesce(p.external_uri, ''))`;
const URL_ORIGIN = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;

/** A post's hashtags, lower-cased without leading "#", each once. */
export const POST_TAGS_SQL = `list_distinct(list_filter(list_transform(coalesce(p.tags, []::VARCHAR[]), lambda t: lower(ltrim(t, '#'))), lambda t: t <> ''))`;

/** WHERE conjuncts of the filters on post fields (langs, tags, mentions, domain, url). Values are normalised (filter.ts). */
function fieldConditions(sql: SqlParams, filter: PostFilter): string[] {
  const where: string[] = [];
  if (filter.langs?.length) {
    const langs = sql.bind(listValue(filter.langs));
    where.push(
      `len(list_filter(coalesce(p.langs, []::VARCHAR[]), lambda l: list_contains(${langs}::VARCHAR[], lower(l)) OR len(list_filter(${langs}::VARCHAR[], lambda w: starts_with(lower(l), w || '-'))) > 0)) > 0`,
    );
  }
  for (const tag of filter.tags ?? []) {
    where.push(
      `list_contains(list_transform(coalesce(p.tags, []::VARCHAR[]), lambda t: lower(ltrim(t, '#'))), ${sql.bind(tag)})`,
    );
  }
  if (filter.mentions !== undefined) where.push(`list_contains(p.mentions, ${sql.bind(filter.mentions)})`);
  if (filter.domain !== undefined) {
    const d = sql.bind(filter.domain);
    const exact = `len(list_filter(${LINKED_HOSTS_SQL}, lambda h: h = ${d} OR ends_with(h, '.' || ${d}))) > 0`;
    // A post linking to the host has it in one of its raw URLs, in any case.
    where.push(
      `(CASE WHEN regexp_matches(${RAW_LINKS_SQL}, ${sql.bind(casePrefilterRegex(filter.domain))}) THEN ${exact} ELSE false END)`,
    );
  }
  if (filter.url !== undefined) {
    const exact = `list_contains(${LINKED_URLS_SQL}, ${sql.bind(filter.url)})`;
    // Normalising changes only the scheme and host's case and trailing slashes: a raw URL normalised to this one
    // holds its path as it is. (A URL without a path gets no such test.)
    const path = filter.url.slice(URL_ORIGIN.exec(filter.url)?.[0].length ?? 0);
    where.push(path ? `(CASE WHEN contains(${RAW_LINKS_SQL}, ${sql.bind(path)}) THEN ${exact} ELSE false END)` : exact);
  }
  return where;
}

/**
 * WHERE conjuncts over the posts alias `p` for a filter (and a keyset position in `sort` order). The filter must be
 * in normal form (resolveFilter): its text holds search terms only.
 */
export function filterConditions(
  sql: SqlParams,
  filter: PostFilter,
  after?: PostCursor,
  sort: PostSort = 'LATEST',
): string[] {
  const where: string[] = [];
  if (filter.fromUs !== undefined) where.push(`p.indexed_at >= ${sql.bind(us(filter.fromUs, 'fromUs'))}`);
  if (filter.toUs !== undefined) where.push(`p.indexed_at < ${sql.bind(us(filter.toUs, 'toUs'))}`);
  if (filter.author !== undefined) where.push(`p.did = ${sql.bind(filter.author)}`);
  if (filter.text !== undefined) {
    const { include, exclude } = parseSearchText(filter.text);
    for (const term of include) where.push(termPredicate(sql, term));
    for (const term of exclude) where.push(`NOT ${termPredicate(sql, term)}`);
  }
  where.push(...fieldConditions(sql, filter));
  if (after && sort === 'OLDEST') {
    const ts = sql.bind(us(after.indexedAtUs, 'cursor'));
    where.push(`p.indexed_at >= ${ts}`, `(p.indexed_at > ${ts} OR p.uri > ${sql.bind(after.uri)})`);
  } else if (after) {
    const ts = sql.bind(us(after.indexedAtUs, 'cursor'));
    // Rows strictly after the cursor in (indexed_at DESC, uri DESC) order: the row comparison
    // (indexed_at, uri) < (ts, uri). The redundant `indexed_at <= ts` lets Parquet statistics skip row groups.
    where.push(`p.indexed_at <= ${ts}`, `(p.indexed_at < ${ts} OR p.uri < ${sql.bind(after.uri)})`);
  }
  return where;
}

const EMPTY_TOMBSTONES = `SELECT NULL::VARCHAR AS uri, NULL::VARCHAR AS kind, NULL::BIGINT AS time_us WHERE false`;
const EMPTY_ACCOUNTS = `SELECT NULL::VARCHAR AS did, NULL::BOOLEAN AS active, NULL::BIGINT AS time_us WHERE false`;

/**
 * The dids whose latest account row says inactive. With precomputed tables (account-status.ts) only the accounts
 * in the tail's rows (the last seconds) are decided here, against their precomputed latest row; with those folded in
 * already (tail/tail-accounts.ts), not even they.
 */
export function inactiveDids(sql: SqlParams, files: FileSets): string {
  const status = files.accountStatus;
  if (!status) {
    const accounts = files.accounts.length
      ? `SELECT did, active, time_us FROM ${sql.files(files.accounts)}`
      : EMPTY_ACCOUNTS;
    return `SELECT did FROM (${accounts}) GROUP BY did HAVING NOT arg_max(active, time_us)`;
  }
  const tail = files.accounts.filter(isTailPath);
  if (tail.length === 0 || status.tailFolded) return `SELECT did FROM ${status.inactive}`;
  const recent = `(SELECT did, active, time_us FROM ${sql.files(tail)})`;
  return `SELECT i.did FROM ${status.inactive} i WHERE NOT EXISTS (SELECT 1 FROM ${recent} r WHERE r.did = i.did)
    UNION ALL
    SELECT did FROM (
      SELECT did, active, time_us FROM ${status.latest} WHERE did IN (SELECT did FROM ${recent})
      UNION ALL SELECT did, active, time_us FROM ${recent}
    ) GROUP BY did HAVING NOT arg_max(active, time_us)`;
}

/**
 * `WITH … ` CTEs ending in `visible`: the posts of `files.posts` matching `filter` (after `position` in `sort`
 * order) that a user may see —
 * - not deleted (a 'delete' tombstone hides every version of the uri),
 * - not superseded (a 'supersede' tombstone, or defensively a newer 'update' row of the uri in the same files,
 *   hides versions with a smaller time_us),
 * - not by an account whose latest status row (by time_us) says inactive.
 * Exact duplicates (the same version twice: replayed flushes before compaction) are NOT removed here, they sit
 * next to each other in (indexed_at, uri) order and the callers drop them.
 * Tombstones are anti-joined row by row (a hash build over uri), never aggregated: at a month of data that is
 * the cheap side. Their files are pruned to dates ≥ fromUs by the caller, and update rows to indexed_at ≥
 * fromUs here: whatever hides a version comes after it.
 */
export function visiblePostsCte(
  sql: SqlParams,
  files: FileSets,
  filter: PostFilter,
  position?: PostCursor,
  sort?: PostSort,
): string {
  const fromUs = filter.fromUs;
  const where = filterConditions(sql, filter, position, sort);
  const candidates = `SELECT * FROM ${postsSource(sql, files, files.posts, filter)} p${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  // Update rows of indexed (compacted) days hide nothing a supersede tombstone does not already hide (compaction
  // kept one version per uri; every update also wrote its tombstone): reading them cost a pass over the
  // `operation` column of every file (~0.4 s CPU at a day). Update rows of the other files are still read.
  const updates = files.unindexed
    ? filesOverlapping(files.unindexed, fromUs ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)
    : files.posts;
  return visibleCte(sql, files, candidates, fromUs, updates);
}

/**
 * visiblePostsCte over a candidate SELECT of post rows given as SQL (e.g. rows fetched by key from some files).
 * `updateFiles` are the posts files whose 'update' rows also hide older versions (default: all of files.posts).
 */
export function visibleCte(
  sql: SqlParams,
  files: FileSets,
  candidates: string,
  fromUs?: number,
  updateFiles: string[] = files.posts,
): string {
  const hiding = hidingFiles(files);
  const tombstones = [
    ...(hiding.tombstones.length ? [`SELECT uri, kind, time_us FROM ${sql.files(hiding.tombstones)}`] : []),
    // A hidden version hides itself and older versions, as a supersede tombstone 1 µs newer would.
    ...(hiding.hidden.length
      ? [`SELECT uri, 'supersede' AS kind, time_us + 1 AS time_us FROM ${sql.files(hiding.hidden)}`]
      : []),
  ];

  return `WITH
  candidates AS NOT MATERIALIZED (${candidates}),
  hides AS (
    ${tombstones.length ? tombstones.join(' UNION ALL ') : EMPTY_TOMBSTONES}${
      updateFiles.length === 0
        ? ''
        : `
    UNION ALL
    SELECT u.uri, 'supersede' AS kind, u.time_us FROM ${sql.files(updateFiles, 'updates')} u
    WHERE u.operation = 'update'${fromUs === undefined ? '' : ` AND u.indexed_at >= ${sql.bind(us(fromUs, 'fromUs'))}`}`
    }
  ),
  inactive AS (
    ${inactiveDids(sql, files)}
  ),
  visible AS (
    SELECT p.* FROM candidates p
    WHERE ${
      tombstones.length === 0 && updateFiles.length === 0
        ? ''
        : `NOT EXISTS (
        SELECT 1 FROM hides h WHERE h.uri = p.uri AND (h.kind = 'delete' OR h.time_us > p.time_us))
      AND `
    }NOT EXISTS (SELECT 1 FROM inactive a WHERE a.did = p.did)
  )`;
}
