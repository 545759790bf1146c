import { facetKey } from '../../compaction/facet-files';
import type { IndexedDay } from '../../layout/list-data-files';
import { filesWithout, type FileSets, type PostFilter } from '../post-sql';
import { timed } from '../timings';
import { indexedTextRows, type TokenLookup } from '../token-reads';
import { cursorOf, mergeKeys, rowKey } from './keys';
import { sortedScanKeys } from './scan-strategy';
import type { SearchContext, SearchStrategy } from './strategy';

/** The by-facet lookup of a filter's URL (rarer) or mentioned DID on `days` (all with by-facet). */
function facetLookup(days: readonly IndexedDay[], filter: PostFilter): TokenLookup {
  const key = filter.url !== undefined ? facetKey('url', filter.url) : facetKey('mention', filter.mentions as string);
  return {
    part: key,
    keys: new Map(days.map((d) => [d.date, [key]])),
    postings: Number.POSITIVE_INFINITY,
    postingsFile: (d) => d.byFacet,
  };
}

/**
 * Searches for posts mentioning an account or linking a URL (without author: the author strategy reads fewer
 * rows): the compacted days through their by-facet postings (compaction/facet-files.ts), newest first (OLDEST:
 * oldest first), a batch of candidate times at a time read back and checked by every predicate, merged with a scan
 * of the files without by-facet. Rows read whole go into `known`.
 */
export const facetStrategy: SearchStrategy = {
  name: 'facet-index',
  applies: (files: FileSets, filter: PostFilter) =>
    filter.author === undefined &&
    (filter.mentions !== undefined || filter.url !== undefined) &&
    Boolean(files.indexed?.some((d) => d.byFacet)),
  async keys(ctx: SearchContext) {
    const { session, files, filter, sort, after, want, known, select, timings } = ctx;
    const days = (files.indexed ?? []).filter((d) => d.byFacet);
    const scanned = filesWithout(files, (d) => Boolean(d.byFacet));
    const rest = scanned.length
      ? await sortedScanKeys(session, { ...files, posts: scanned }, filter, after, want, sort, timings, {
          select,
          known,
        })
      : [];
    const rows = await timed(timings, 'postings+readBack', () =>
      indexedTextRows(session, files, days, facetLookup(days, filter), filter, after, want, select, sort),
    );
    for (const r of rows) known.set(rowKey(r), r);
    return mergeKeys(rows.map(cursorOf), rest, sort);
  },
};
