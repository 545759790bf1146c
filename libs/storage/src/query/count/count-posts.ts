import type { Session } from '../../duckdb/pool';
import { filesWithoutTokens, type FileSets, type PostFilter } from '../post-sql';
import { hasFieldFilters } from '../filter';
import { timed, type Timings } from '../timings';
import { MAX_COUNT_POSTINGS_PER_DAY, countWithTokens, planTokenLookup } from '../token-reads';
import { authorIndexCount, authorReadBackCount, scanCount } from './exact-count';
import { sampledEstimate, vocabularyEstimate } from './estimate';
import type { RowCounts } from './row-counts';

/** A count of matching visible posts, and whether it is exact (else an estimate, see estimate.ts). */
export interface PostCount {
  count: number;
  exact: boolean;
}

/**
 * Rows an exact count may scan: a LIKE count with the visibility rules read ~1M rows/s here on a loaded machine (≈ 0.25 s for this many), so a count over more
 * is estimated instead of making the caller wait seconds (minutes at a month) or time out.
 */
export const EXACT_SCAN_ROWS = 250_000;

export interface CountLimits {
  /** Rows an exact count may scan (default EXACT_SCAN_ROWS). */
  exactScanRows?: number;
  /** Rows an estimate samples (default SAMPLE_ROWS). */
  sampleRows?: number;
  /** Aggregations: rows a day's sample needs to answer for the day (default MIN_SAMPLE_ROWS; fewer: read whole). */
  minSampleRows?: number;
}

/**
 * The number of visible posts matching `filter`, never a timeout: exact when an index gives it cheaply (rare
 * tokens' postings, an author's by-author rows) or when the rows to scan are few; otherwise estimated from the
 * counts kept at compaction (compacted days with token files) and a sample of the rest.
 * Field filters (lang, tag, mentions, domain, url) are predicates of every exact path (scan, token candidates); the
 * token dfs cannot see them, so with such filters the count is a scan when small, the token candidates or an
 * author's by-author rows read back when few, else a sampled estimate over every file.
 */
export async function countPosts(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  rowCounts: RowCounts,
  limits: CountLimits = {},
  timings?: Timings,
): Promise<PostCount> {
  const exactScanRows = limits.exactScanRows ?? EXACT_SCAN_ROWS;
  const indexed = files.indexed ?? [];
  const fields = hasFieldFilters(filter);
  if (filter.author !== undefined && filter.text === undefined && !fields && indexed.length > 0) {
    const author = { ...filter, author: filter.author };
    return { count: await timed(timings, 'index', () => authorIndexCount(session, files, author)), exact: true };
  }
  if ((await rowCounts.of(session, files.posts)) <= exactScanRows) {
    return { count: await timed(timings, 'scan', () => scanCount(session, files, filter)), exact: true };
  }
  if (
    filter.author !== undefined &&
    indexed.length > 0 &&
    (await rowCounts.of(session, files.unindexed ?? [])) <= exactScanRows
  ) {
    // An author with text or field filters: exact through by-author when the author's rows are few.
    const author = { ...filter, author: filter.author };
    const max = MAX_COUNT_POSTINGS_PER_DAY * indexed.length;
    const count = await timed(timings, 'index+readBack', () =>
      authorReadBackCount(session, files, author, files.unindexed ?? [], max),
    );
    if (count !== undefined) return { count, exact: true };
  }
  const tokenDays = filter.text !== undefined && filter.author === undefined ? indexed.filter((d) => d.tokens) : [];
  const rest = tokenDays.length > 0 ? filesWithoutTokens(files) : files.posts;
  if (tokenDays.length > 0) {
    const lookup = await timed(timings, 'plan', () => planTokenLookup(session, tokenDays, filter.text as string));
    const fewPostings = lookup && lookup.postings <= MAX_COUNT_POSTINGS_PER_DAY * tokenDays.length;
    if (lookup && fewPostings && (await rowCounts.of(session, rest)) <= exactScanRows) {
      const count = await timed(timings, 'postings+readBack', () =>
        countWithTokens(session, files, tokenDays, lookup, filter, rest),
      );
      return { count, exact: true };
    }
  }
  if (fields) {
    // The dfs count posts by text alone: estimate from a sample of the newest rows of every file instead.
    const count = await timed(timings, 'sample', () =>
      sampledEstimate(session, files, files.posts, filter, limits.sampleRows),
    );
    return { count, exact: false };
  }
  const fromIndex = tokenDays.length
    ? await timed(timings, 'vocabulary', () =>
        vocabularyEstimate(
          session,
          tokenDays,
          { ...filter, text: filter.text as string },
          rowCounts,
          limits.sampleRows,
        ),
      )
    : 0;
  const fromRest = await timed(timings, 'sample', () =>
    sampledEstimate(session, files, rest, filter, limits.sampleRows),
  );
  return { count: fromIndex + fromRest, exact: false };
}
