import { dateEndUs, dateStartUs, partitionDate } from '../../layout/partition';
import type { PostCursor } from '../cursor';
import { filesWithoutTokens, type FileSets, type PostFilter } from '../post-sql';
import { timed } from '../timings';
import { indexedTextRows, planTokenLookup } from '../token-reads';
import { cursorOf, mergeKeys, rowKey } from './keys';
import { sortedScanKeys } from './scan-strategy';
import { densityWindowUs } from '../time-windows';
import type { SearchContext, SearchStrategy } from './strategy';

/**
 * Text searches (no author) over data of which some days have token files (token-reads.ts): those days newest
 * first (OLDEST: oldest first) in chunks of 1, 2, 4… days (a page of a word found on the newest days never reads the vocabularies of
 * older ones; a chunk whose tokens cannot help is scanned), merged with a scan of the files without token files.
 * Rows read whole through the postings go into `known`. The other field filters (lang, tag, …) are checked on the
 * candidates read back.
 */
export const tokenStrategy: SearchStrategy = {
  name: 'token-index',
  applies: (files: FileSets, filter: PostFilter) =>
    filter.text !== undefined && filter.author === undefined && Boolean(files.indexed?.some((d) => d.tokens)),
  async keys(ctx: SearchContext) {
    const { session, files, filter, sort, after, want, known, select, timings } = ctx;
    const oldest = sort === 'OLDEST';
    const text = filter.text as string;
    const lastDate = after ? partitionDate(after.indexedAtUs) : undefined;
    const days = (files.indexed ?? [])
      .filter((d) => d.tokens && (lastDate === undefined || (oldest ? d.date >= lastDate : d.date <= lastDate)))
      .sort((a, b) => (oldest ? (a.date < b.date ? -1 : 1) : a.date < b.date ? 1 : -1));
    const scanned = filesWithoutTokens(files);
    const rest = scanned.length
      ? await sortedScanKeys(session, { ...files, posts: scanned }, filter, after, want, sort, timings, {
          select,
          known,
        })
      : [];
    const found: PostCursor[] = [];
    // A day entirely after the want-th key of the scanned files (in page order) cannot reach the page: the live
    // day's tail or flush files often fill a page of a common word before any compacted day is opened.
    const last = rest.length >= want ? rest[want - 1].indexedAtUs : undefined;
    const beyond = (date: string) =>
      last !== undefined && (oldest ? dateStartUs(date) > last : dateEndUs(date) <= last);
    for (let i = 0, size = 1; i < days.length && found.length < want && !beyond(days[i].date); i += size, size *= 2) {
      const chunk = days.slice(i, i + size);
      const hints: { commonDf?: number } = {};
      const lookup = await timed(timings, 'plan', () => planTokenLookup(session, chunk, text, hints));
      if (!lookup) {
        const chunkFiles = { ...files, posts: chunk.flatMap((d) => d.files) };
        const need = want - found.length;
        const firstWidth =
          hints.commonDf === undefined ? undefined : densityWindowUs(need, hints.commonDf / chunk.length);
        found.push(
          ...(await sortedScanKeys(
            session,
            chunkFiles,
            filter,
            after,
            need,
            sort,
            timings,
            { select, known },
            firstWidth,
          )),
        );
        continue;
      }
      const rows = await timed(timings, 'postings+readBack', () =>
        indexedTextRows(session, files, chunk, lookup, filter, after, want - found.length, select, sort),
      );
      for (const r of rows) {
        known.set(rowKey(r), r);
        found.push(cursorOf(r));
      }
    }
    return mergeKeys(found, rest, sort);
  },
};
