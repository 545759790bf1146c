import { basename } from 'node:path';
import { dateEndUs, dateStartUs, flushFileRange, padStreamId } from '../layout/partition';
import type { FileSets } from '../query/post-sql';
import { nextStreamId } from '../stream/stream-id';
import { registerSpan, type Span } from '../query/file-spans';
import { parseTailPath, tailPath, type TailTable } from './tail-path';

/**
 * What one query sees of the tail: generation `gen` holds every stream entry with an id in [lo, hi] (padded ids,
 * see padStreamId), and rows on these partition days per table.
 */
export interface TailSnapshot {
  gen: number;
  lo: string;
  hi: string;
  days: Record<TailTable, readonly string[]>;
  /** Account rows held (all days): with gen and lo, what names the account rows up to hi. */
  accountRows?: number;
  /** indexed_at range of the posts held per day (a cover: every row of the snapshot lies in it). */
  postSpans?: Readonly<Record<string, Span>>;
}

/**
 * The file sets of one query with the tail in them, exactly once across the flush boundary. A flush file is named
 * after its stream-id range; the tail holds every entry in [lo, hi]. So:
 * - a flush file whose whole range lies in the tail's range is left out (its rows are in the tail: a flush not yet
 *   committed from the tail's point of view, or one committed since the snapshot);
 * - a flush file that starts in the tail's range but ends past hi (the tail is behind that flush) caps the tail
 *   below its first id, and is read itself;
 * - everything else (older files, compacted files, files past hi) is read as usual.
 * The tail is then the pseudo files of its days in the query's range (tail-path.ts).
 */
export function filesWithTail(
  files: FileSets,
  snap: TailSnapshot,
  range: { fromUs?: number; toUs?: number },
): FileSets {
  const ranges = [...files.posts, ...files.tombstones, ...files.accounts]
    .map((f) => flushFileRange(basename(f)))
    .filter((r): r is { first: string; last: string } => r !== undefined && r.first >= snap.lo);
  let hiEx = padStreamId(nextStreamId(snap.hi));
  for (let capped = true; capped;) {
    capped = false;
    for (const r of ranges) if (r.first < hiEx && r.last >= hiEx) [hiEx, capped] = [r.first, true];
  }
  const read = (f: string) => {
    const r = flushFileRange(basename(f));
    return !r || r.first < snap.lo || r.last >= hiEx;
  };
  const lo = range.fromUs ?? Number.NEGATIVE_INFINITY;
  const hi = range.toUs ?? Number.POSITIVE_INFINITY;
  const paths = (table: TailTable, inRange: (date: string) => boolean) =>
    snap.days[table].filter(inRange).map((date) => tailPath({ table, date, gen: snap.gen, lo: snap.lo, hiEx }));
  const posts = paths('posts', (d) => dateStartUs(d) < hi && dateEndUs(d) > lo);
  // Their spans let scan windows start at the newest post and skip the tail where it cannot match. Their rows are
  // the snapshot's (the rows of each day up to hi) unless a flush file capped the range below hi: then unknown.
  const capped = hiEx !== padStreamId(nextStreamId(snap.hi));
  for (const path of posts) {
    const span = snap.postSpans?.[parseTailPath(path).date];
    if (span) registerSpan(path, capped ? { minUs: span.minUs, maxUs: span.maxUs } : span);
  }
  return {
    ...files,
    posts: [...files.posts.filter(read), ...posts],
    unindexed: files.unindexed && [...files.unindexed.filter(read), ...posts],
    // As for their files: a tombstone before the range cannot hide anything in it; account status of any age.
    tombstones: [...files.tombstones.filter(read), ...paths('tombstones', (d) => dateEndUs(d) > lo)],
    accounts: [...files.accounts.filter(read), ...paths('accounts', () => true)],
  };
}
