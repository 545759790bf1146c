import { listValue, timestampValue } from '@duckdb/node-api';
import type { IndexedDay } from '../../layout/list-data-files';
import { dateEndUs, dateStartUs } from '../../layout/partition';
import type { Session } from '../../duckdb/pool';
import { termPartsSql } from '../../text-tokens';
import { SqlParams, filterConditions, visiblePostsCte, type FileSets, type PostFilter } from '../post-sql';
import { parseSearchText } from '../search-text';
import type { RowCounts } from './row-counts';

// Estimated counts, for when an exact count would not fit the time budget. Compacted days with token files are
// estimated from the counts kept at compaction (each token's df, over the rows compaction kept); everything else
// from the matches in a sample of its newest rows, scaled to all of its rows.

/** Rows of the newest part of the unindexed files that an estimate reads (≈ 0.2 s of scan here). */
export const SAMPLE_ROWS = 500_000;

const ts = (us: number) => timestampValue(BigInt(us));

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
 * The estimated matches of `text` on days with token files: per day, its rows × for each include term the share
 * of posts holding a token that contains the term's rarest part (Σ df of those tokens, at most all rows), × for
 * each exclude term the share without it; terms taken as independent, the range as a share of the day.
 * A term without a letter or digit (emoji, punctuation) cannot be narrowed and counts as matching everything.
 */
export async function vocabularyEstimate(
  session: Session,
  days: readonly IndexedDay[],
  text: string,
  range: { fromUs?: number; toUs?: number },
  rowCounts: RowCounts,
): Promise<number> {
  const { include, exclude } = parseSearchText(text);
  const incParts = await termParts(session, include);
  const excParts = await termParts(session, exclude);
  const parts = [...new Set([...incParts.flat(), ...excParts.flat()])];
  const sql = new SqlParams();
  const sums = parts.map((p, i) => `sum(df) FILTER (WHERE contains(token, ${sql.bind(p)})) AS s${i}`);
  const dfs = new Map<string, number[]>();
  if (parts.length > 0) {
    const vocabularies = days.map((d) => d.tokens?.vocabulary as string);
    const asciiOnly = parts.every((p) => /[a-z0-9]/.test(p));
    const rows = await session.all(
      `SELECT filename, ${sums.join(', ')}
       FROM read_parquet(${sql.bind(listValue(vocabularies))}::VARCHAR[], filename = true, hive_partitioning = false)
       ${asciiOnly ? 'WHERE ascii' : ''} GROUP BY filename`,
      sql.values,
    );
    for (const r of rows)
      dfs.set(
        r.filename as string,
        parts.map((_, i) => Number(r[`s${i}`] ?? 0)),
      );
  }
  let total = 0;
  for (const day of days) {
    const n = await rowCounts.of(session, day.files);
    if (n === 0) continue;
    const df = dfs.get(day.tokens?.vocabulary as string) ?? parts.map(() => 0);
    const share = (termPartsList: string[]) =>
      termPartsList.length === 0 ? 1 : Math.min(1, ...termPartsList.map((p) => df[parts.indexOf(p)] / n));
    let estimate = n * dayShare(day.date, range);
    for (const t of incParts) estimate *= share(t);
    for (const t of excParts) if (t.length > 0) estimate *= 1 - share(t);
    total += estimate;
  }
  return Math.round(total);
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
  const range = new SqlParams();
  const inRange = filterConditions(range, { fromUs: filter.fromUs, toUs: filter.toUs });
  const [span] = await session.all(
    `SELECT count(*) AS n, epoch_us(min(p.indexed_at)) AS lo, epoch_us(max(p.indexed_at)) AS hi
     FROM ${range.files([...posts])} p ${inRange.length ? `WHERE ${inRange.join(' AND ')}` : ''}`,
    range.values,
  );
  const rows = Number(span.n);
  if (rows === 0) return 0;
  const lo = Number(span.lo);
  const hi = Number(span.hi) + 1;
  // A window holding about sampleRows rows if they were spread evenly; its real row count is counted below.
  const cut = rows <= sampleRows ? lo : Math.max(lo, Math.floor(hi - ((hi - lo) * sampleRows) / rows));
  const window = { ...filter, fromUs: Math.max(cut, filter.fromUs ?? cut), toUs: hi };
  const sql = new SqlParams();
  const cte = visiblePostsCte(sql, { ...files, posts: [...posts] }, filterConditions(sql, window), window.fromUs);
  const [row] = await session.all(
    `${cte} SELECT (SELECT count(DISTINCT p.uri) FROM visible p) AS matches,
       (SELECT count(*) FROM ${sql.files([...posts])} p WHERE p.indexed_at >= ${sql.bind(ts(window.fromUs))}
          AND p.indexed_at < ${sql.bind(ts(window.toUs))}) AS sampled`,
    sql.values,
  );
  const sampled = Number(row.sampled);
  return sampled === 0 ? 0 : Math.round((Number(row.matches) * rows) / sampled);
}
