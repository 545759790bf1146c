import { listValue } from '@duckdb/node-api';
import type { IndexedDay } from '../../layout/list-data-files';
import { dateEndUs, dateStartUs } from '../../layout/partition';
import type { Session } from '../../duckdb/pool';
import { TOKEN_KEY_CHARS, foldedTokenSql, termPartsSql } from '../../text-tokens';
import { SqlParams, filterConditions, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';
import { parseSearchText } from '../search-text';
import type { RowCounts } from './row-counts';
import { vocabularyRows } from '../vocabulary-source';

// Estimated counts, for when an exact count would not fit the time budget. Compacted days with token files are
// estimated from the counts kept at compaction (each token's df, over the rows compaction kept); everything else
// from the matches in a sample of its newest rows, scaled to all of its rows.

/** Rows of the newest data that an estimate scans (≈ 40 ms of LIKE here; ~1 % sampling error at 10k hits). */
export const SAMPLE_ROWS = 200_000;

/** Per term: the token-shaped parts it must contain (lower-cased, sigma folded as the vocabulary is). */
async function termParts(session: Session, terms: readonly string[]): Promise<string[][]> {
  if (terms.length === 0) return [];
  const sql = new SqlParams();
  const [row] = await session.all(
    `SELECT [${terms.map((t) => termPartsSql(sql.bind(t))).join(', ')}] AS parts`,
    sql.values,
  );
  return (row.parts as (string[] | null)[]).map((p) => p ?? []);
}

/**
 * The estimated matches of `text` on days with token files. A token-shaped part of a term ("morning" of
 * "good morning!") is in the posts holding a token that contains it: Σ df of those tokens, per day, kept at
 * compaction (at most all rows; the range taken as a share of the day). A text that is one such part is estimated
 * by that alone (measured within 0.3 % of the exact count for a common word). Anything else (several terms,
 * exclusions, phrases, punctuation) starts from its rarest part and scales by how many of the posts holding that
 * part match the whole text among the newest rows (words of one post are far from independent: the product of
 * their shares was 4× too low for two common words); with no such post in the sample, the parts are taken as
 * independent.
 */
export async function vocabularyEstimate(
  session: Session,
  days: readonly IndexedDay[],
  filter: PostFilter & { text: string },
  rowCounts: RowCounts,
  sampleRows = SAMPLE_ROWS,
): Promise<number> {
  const { include, exclude } = parseSearchText(filter.text);
  const incParts = await termParts(session, include);
  const excParts = await termParts(session, exclude);
  const parts = [...new Set([...incParts.flat(), ...excParts.flat()])];
  const dfs = await partDfs(session, days, parts);
  // Per part: its estimated posts over all days; and the independent estimate of the whole text.
  const perPart = parts.map(() => 0);
  let independent = 0;
  for (const day of days) {
    const n = await rowCounts.of(session, day.files);
    if (n === 0) continue;
    const df = dfs.get(day.tokens?.vocabulary as string) ?? parts.map(() => 0);
    const rows = n * dayShare(day.date, filter);
    parts.forEach((_, i) => (perPart[i] += rows * Math.min(1, df[i] / n)));
    const share = (termParts: string[]) =>
      termParts.length === 0 ? 1 : Math.min(1, ...termParts.map((p) => df[parts.indexOf(p)] / n));
    let estimate = rows;
    for (const t of incParts) estimate *= share(t);
    for (const t of excParts) if (t.length > 0) estimate *= 1 - share(t);
    independent += estimate;
  }
  const single = include.length === 1 && exclude.length === 0 && incParts[0].length === 1;
  if (single && incParts[0][0] === include[0].toLowerCase()) return Math.round(independent);
  const candidates = incParts.flat();
  if (candidates.length === 0) return Math.round(independent);
  const base = candidates.reduce((a, b) => (perPart[parts.indexOf(b)] < perPart[parts.indexOf(a)] ? b : a));
  // The sample comes from the newest day in range alone: finding a window over a month of files costs a scan.
  const newest = days.filter((d) => dayShare(d.date, filter) > 0).sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  const ratio = newest && (await sampleRatio(session, newest.files, filter, base, sampleRows));
  return Math.round(ratio === undefined ? independent : perPart[parts.indexOf(base)] * ratio);
}

/**
 * Per vocabulary file: Σ df of the tokens containing each part (in `parts` order). Finding the tokens that contain
 * a part is the cost of an estimate (a substring cannot use the sorted key: ~60 ms a day at 8.1M posts for a day
 * scanned, a few blocks for a day with a gram index, see vocabulary-source.ts). So when every part is itself a
 * token of the newest day, only that day is searched: each other day takes its own df of the part's token (one
 * statistics-pruned lookup per day) times the newest day's ratio of Σ df of the tokens containing the part to that
 * token's df. A month then costs one search, not thirty.
 */
async function partDfs(
  session: Session,
  days: readonly IndexedDay[],
  parts: readonly string[],
): Promise<Map<string, number[]>> {
  if (parts.length === 0 || days.length === 0) return new Map();
  const vocabulary = (d: IndexedDay) => d.tokens?.vocabulary as string;
  const newest = [...days].sort((a, b) => (a.date < b.date ? 1 : -1))[0];
  if (days.length === 1) return containingDfs(session, [newest], parts);
  const own = await tokenDfs(session, days.map(vocabulary), parts);
  const newestOwn = own.get(vocabulary(newest));
  if (!newestOwn || newestOwn.some((df) => df === 0)) return containingDfs(session, days, parts);
  const newestContaining = (await containingDfs(session, [newest], parts)).get(vocabulary(newest));
  const ratios = parts.map((_, i) => (newestContaining?.[i] ?? newestOwn[i]) / newestOwn[i]);
  const dfs = new Map<string, number[]>();
  for (const d of days) {
    const df = own.get(vocabulary(d)) ?? parts.map(() => 0);
    dfs.set(
      vocabulary(d),
      df.map((x, i) => x * ratios[i]),
    );
  }
  dfs.set(vocabulary(newest), newestContaining ?? newestOwn);
  return dfs;
}

/** Per vocabulary file: Σ df of the tokens containing each part (absent: none on that day). */
async function containingDfs(
  session: Session,
  days: readonly IndexedDay[],
  parts: readonly string[],
): Promise<Map<string, number[]>> {
  const sql = new SqlParams();
  const source = await vocabularyRows(session, sql, days, parts);
  if (source === undefined) return new Map();
  return dfSums(session, sql, source, parts, (part) => `contains(token, ${part})`);
}

/** Per vocabulary file: the df of each part as a token itself (0: not a token there), by pruned key lookups. */
function tokenDfs(
  session: Session,
  vocabularies: readonly string[],
  parts: readonly string[],
): Promise<Map<string, number[]>> {
  const sql = new SqlParams();
  const files = sql.bind(listValue([...vocabularies]));
  const source = `read_parquet(${files}::VARCHAR[], filename = true, hive_partitioning = false)`;
  return dfSums(
    session,
    sql,
    source,
    parts,
    (part) => `${foldedTokenSql('token')} = ${part}`,
    (bound) => `key IN (${bound.map((p) => `left(${p}, ${TOKEN_KEY_CHARS})`).join(', ')})`,
  );
}

/**
 * Per vocabulary file, per part: Σ df of the tokens of `source` (vocabulary rows with their filename, bound in
 * `sql`) matching `match(part)` among the rows passing `where` (both get the parts as bound parameters).
 */
async function dfSums(
  session: Session,
  sql: SqlParams,
  source: string,
  parts: readonly string[],
  match: (part: string) => string,
  where: (parts: string[]) => string = () => 'true',
): Promise<Map<string, number[]>> {
  const bound = parts.map((p) => sql.bind(p));
  const rows = await session.all(
    `SELECT filename, ${bound.map((p, i) => `sum(df) FILTER (WHERE ${match(p)}) AS s${i}`).join(', ')}
     FROM ${source} WHERE ${where(bound)} GROUP BY filename`,
    sql.values,
  );
  return new Map(rows.map((r) => [r.filename as string, parts.map((_, i) => Number(r[`s${i}`] ?? 0))]));
}

/**
 * Among the newest ~sampleRows rows of `posts` in range: the posts matching the whole filter ÷ those containing
 * `base` (a part every match contains); undefined when none contains it. No visibility rules: a ratio.
 */
async function sampleRatio(
  session: Session,
  posts: readonly string[],
  filter: PostFilter & { text: string },
  base: string,
  sampleRows: number,
): Promise<number | undefined> {
  const window = await newestWindow(session, posts, filter, sampleRows);
  if (!window) return undefined;
  const sql = new SqlParams();
  const whole = filterConditions(sql, { text: filter.text, author: filter.author });
  // The base part as a quoted term: matched as written, case-insensitively (parts are lower-cased already).
  const [part] = filterConditions(sql, { text: `"${base.replace(/"/g, '')}"` });
  const range = filterConditions(sql, window);
  const [row] = await session.all(
    `SELECT count(*) FILTER (WHERE ${whole.join(' AND ')}) AS hits, count(*) AS base
     FROM ${sql.files([...posts])} p WHERE ${[...range, part].join(' AND ')}`,
    sql.values,
  );
  const n = Number(row.base);
  return n === 0 ? undefined : Number(row.hits) / n;
}

/**
 * The newest part of `posts` within the filter's range that holds about `sampleRows` rows if they were spread
 * evenly over its time span (posts arrive in time order), and the rows of the whole range.
 */
async function newestWindow(
  session: Session,
  posts: readonly string[],
  range: { fromUs?: number; toUs?: number },
  sampleRows: number,
): Promise<{ fromUs: number; toUs: number; rows: number } | undefined> {
  const sql = new SqlParams();
  const inRange = filterConditions(sql, { fromUs: range.fromUs, toUs: range.toUs });
  const [span] = await session.all(
    `SELECT count(*) AS n, epoch_us(min(p.indexed_at)) AS lo, epoch_us(max(p.indexed_at)) AS hi
     FROM ${sql.files([...posts])} p ${inRange.length ? `WHERE ${inRange.join(' AND ')}` : ''}`,
    sql.values,
  );
  const rows = Number(span.n);
  if (rows === 0) return undefined;
  const lo = Number(span.lo);
  const hi = Number(span.hi) + 1;
  const fromUs = rows <= sampleRows ? lo : Math.max(lo, Math.floor(hi - ((hi - lo) * sampleRows) / rows));
  return { fromUs, toUs: hi, rows };
}

/** The share of the day `date` inside [fromUs, toUs). */
function dayShare(date: string, range: { fromUs?: number; toUs?: number }): number {
  const start = dateStartUs(date);
  const end = dateEndUs(date);
  const lo = Math.max(start, range.fromUs ?? start);
  const hi = Math.min(end, range.toUs ?? end);
  return hi <= lo ? 0 : (hi - lo) / (end - start);
}

/**
 * The estimated matches of `filter` in `posts` (files without token files): the visible matches among the newest
 * ~SAMPLE_ROWS rows in range, scaled by all rows in range over the rows of that sample. Posts arrive in time
 * order, so the newest rows are one time window [cut, end) found from the files' rows.
 */
export async function sampledEstimate(
  session: Session,
  files: FileSets,
  posts: readonly string[],
  filter: PostFilter,
  sampleRows = SAMPLE_ROWS,
): Promise<number> {
  if (posts.length === 0) return 0;
  const window = await newestWindow(session, posts, filter, sampleRows);
  if (!window) return 0;
  const { rows } = window;
  const sql = new SqlParams();
  const cte = visiblePostsCte(
    sql,
    { ...files, posts: [...posts] },
    { ...filter, fromUs: window.fromUs, toUs: window.toUs },
  );
  const [row] = await session.all(
    `${cte} SELECT (SELECT count(DISTINCT p.uri) FROM visible p) AS matches,
       (SELECT count(*) FROM ${sql.files([...posts])} p WHERE ${filterConditions(sql, window).join(' AND ')}) AS sampled`,
    sql.values,
  );
  const sampled = Number(row.sampled);
  return sampled === 0 ? 0 : Math.round((Number(row.matches) * rows) / sampled);
}
