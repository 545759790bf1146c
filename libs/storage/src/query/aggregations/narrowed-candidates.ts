import type { Session } from '../../duckdb/pool';
import { EXACT_SCAN_ROWS, type CountLimits } from '../count/count-posts';
import { authorCandidates } from '../count/exact-count';
import type { RowCounts } from '../count/row-counts';
import { filesWithoutTokens, type FileSets, type PostFilter, type SqlParams } from '../post-sql';
import { MAX_COUNT_POSTINGS_PER_DAY, planTokenLookup, tokenCandidates } from '../token-reads';

/**
 * The rows an aggregate must read when an index narrows them to few, as one SELECT over `p` with every predicate
 * applied (visibility is the caller's), on the same terms as an exact count: an author's by-author rows (at most
 * MAX_COUNT_POSTINGS_PER_DAY a day), or a text's token postings (as many), read back from the posts files, plus a
 * scan of the files those indexes do not cover when they hold few rows. `select` undefined: nothing to read.
 * undefined: no index narrows enough, scan the range.
 */
export async function narrowedCandidates(
  session: Session,
  sql: SqlParams,
  files: FileSets,
  filter: PostFilter,
  rowCounts: RowCounts,
  limits: CountLimits = {},
): Promise<{ select?: string } | undefined> {
  const exactScanRows = limits.exactScanRows ?? EXACT_SCAN_ROWS;
  const indexed = files.indexed ?? [];
  const max = MAX_COUNT_POSTINGS_PER_DAY * indexed.length;
  if (filter.author !== undefined && indexed.length > 0) {
    const rest = files.unindexed ?? [];
    if ((await rowCounts.of(session, rest)) > exactScanRows) return undefined;
    return authorCandidates(session, sql, files, { ...filter, author: filter.author }, rest, max);
  }
  const tokenDays = filter.text !== undefined ? indexed.filter((d) => d.tokens) : [];
  if (tokenDays.length === 0) return undefined;
  const rest = filesWithoutTokens(files);
  if ((await rowCounts.of(session, rest)) > exactScanRows) return undefined;
  const lookup = await planTokenLookup(session, tokenDays, filter.text as string);
  if (!lookup || lookup.postings > MAX_COUNT_POSTINGS_PER_DAY * tokenDays.length) return undefined;
  return { select: await tokenCandidates(session, sql, files, tokenDays, lookup, filter, rest) };
}
