import { AUTHOR_TEXT_FIRST_BATCH, indexedAuthorRows } from '../indexed-reads';
import type { IndexedDay } from '../../layout/list-data-files';
import type { FileSets, PostFilter } from '../post-sql';
import { commonTextDensity, indexedTextRows, planTokenLookup } from '../token-reads';
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
    const fromIndex = await timed(timings, 'index', () => indexedRows(ctx));
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

/**
 * The author's matches on the compacted days. With a text, the fewer candidates of two ways: the postings of a
 * rare text when they are no more than by-author's first round would read (a bot's 100k posts a day hold a rare
 * word a few times: by-author would read them round after round), else by-author, its first round sized from the
 * text's density when a part of it is a common word.
 */
async function indexedRows(ctx: SearchContext) {
  const { session, files, filter, sort, after, want, select } = ctx;
  const days = files.indexed ?? [];
  const author = { ...filter, author: filter.author as string };
  if (filter.text === undefined) return indexedAuthorRows(session, files, author, after, want, select, sort);
  // The density on the day read first (newest, or oldest for OLDEST) only: a common word's share hardly moves
  // between days, and a month's file spans and common tokens cost seconds to read on a cold start (5 s measured).
  const first = days.reduce<IndexedDay | undefined>(
    (a, d) => (!a || (sort === 'OLDEST' ? d.date < a.date : d.date > a.date) ? d : a),
    undefined,
  );
  const density = first && (await commonTextDensity(session, [first], filter.text));
  if (density === undefined && days.every((d) => d.tokens)) {
    const lookup = await planTokenLookup(session, days, filter.text);
    if (lookup && lookup.postings <= want * AUTHOR_TEXT_FIRST_BATCH)
      return indexedTextRows(session, files, days, lookup, filter, after, want, select, sort);
  }
  return indexedAuthorRows(session, files, author, after, want, select, sort, density);
}
