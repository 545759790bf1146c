import { indexedAuthorRows } from '../indexed-reads';
import type { FileSets, PostFilter } from '../post-sql';
import { timed } from '../timings';
import { cursorOf, mergeKeys, rowKey } from './keys';
import { sortedScanKeys } from './scan-strategy';
import type { SearchContext, SearchStrategy } from './strategy';

/**
 * Searches by author (with or without text): the compacted days through their by-author side files (min/max
 * statistics on did narrow each day to the row groups of that author), the files without side files by scan.
 * The rows read through by-author are whole already, so read-back has nothing left to do for them. The other
 * field filters (lang, tag, …) are checked on the rows read back. Both sorts: by-author is read in either order.
 */
export const authorStrategy: SearchStrategy = {
  name: 'author-index',
  applies: (files: FileSets, filter: PostFilter) => filter.author !== undefined && Boolean(files.indexed?.length),
  async keys(ctx: SearchContext) {
    const { session, files, filter, sort, after, want, known, select, timings } = ctx;
    const author = { ...filter, author: filter.author as string };
    const fromIndex = await timed(timings, 'index', () =>
      indexedAuthorRows(session, files, author, after, want, select, sort),
    );
    for (const r of fromIndex) known.set(rowKey(r), r);
    const rest = files.unindexed?.length
      ? await sortedScanKeys(session, { ...files, posts: files.unindexed }, filter, after, want, sort, timings, {
          select,
          known,
        })
      : [];
    return mergeKeys(fromIndex.map(cursorOf), rest, sort);
  },
};
