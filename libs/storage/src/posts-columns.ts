import { basename, dirname } from 'node:path';
import { COMPACTED_PREFIX, FLUSH_PREFIX } from './layout/partition';

// Two columns of a post row are functions of others: uri is at://<did>/app.bsky.feed.post/<rkey>, and time_us is
// indexed_at in µs (normalize.ts sets both from the event). Compacted posts files store them as NULL columns (a few
// bytes per row group: the schema stays the contract's) and every read derives them: at 8.1M posts a day they
// were 17.5 of 131 bytes per post (uri 15.2, time_us 2.3). Flush files, written before compaction, keep them.

/** The select list that writes compacted posts: the derived columns as NULLs. */
export const STORED_POSTS_COLUMNS = '* REPLACE (NULL::VARCHAR AS uri, NULL::BIGINT AS time_us)';

/**
 * Posts rows from `readExpr` (a read_parquet(...) of posts files, compacted or not, or a subquery of them) with uri
 * and time_us filled in, as a parenthesised subquery with the contract's columns.
 */
export function postsWithDerivedColumns(readExpr: string): string {
  return `(SELECT * REPLACE (
      coalesce(uri, 'at://' || did || '/app.bsky.feed.post/' || rkey) AS uri,
      coalesce(time_us, epoch_us(indexed_at)) AS time_us)
    FROM ${readExpr})`;
}

/** Whether a path is a posts data file (a flush or compacted file under posts/date=…/, not a side file). */
export function isPostsFile(path: string): boolean {
  const name = basename(path);
  return (
    basename(dirname(dirname(path))) === 'posts' &&
    name.endsWith('.parquet') &&
    (name.startsWith(FLUSH_PREFIX) || name.startsWith(COMPACTED_PREFIX))
  );
}
