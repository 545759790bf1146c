import type { Session } from '../../duckdb/pool';
import type { PostCursor } from '../cursor';
import {
  SqlParams,
  orderBy,
  tailNarrowing,
  visiblePostsCte,
  type FileSets,
  type PostFilter,
  type PostSort,
} from '../post-sql';
import { timed, type Timings } from '../timings';
import {
  FIRST_WINDOW_US,
  filesOverlapping,
  firstWindowWidth,
  narrowFirstWindow,
  nextWindowWidth,
  scanBounds,
  windowHigh,
  windowLow,
} from '../time-windows';
import { toPostRecord, type PostRecord } from '../post-record';
import { filesInRange, maxIndexedAt, rowsInRange } from '../file-spans';
import { isTailPath } from '../../tail/tail-path';
import { rowKey } from './keys';
import type { SearchContext, SearchStrategy } from './strategy';

/**
 * Rows wanted back from the scan itself: the window query returns the `select` columns of its matches (it reads
 * text and the keys anyway) into `known`, so read-back has nothing left to fetch for them (at 1M posts that was
 * 9–56 ms of a page of 50).
 */
export interface ScanRows {
  select: string;
  known: Map<string, PostRecord>;
}

/**
 * The fallback that serves every filter: a scan of the posts files, window by window, newest first.
 *
 * Files are sorted by indexed_at within a day, so the newest matches sit in the last row groups. DuckDB's top-N
 * still reads every row group, so the page is found window by window (5 min, then sized from the matches seen so
 * far, see nextWindowWidth; the rest in one go when little is left, see windowLow): a common term is answered from
 * the last minutes' row groups (Parquet min/max statistics skip the rest), a rare one costs one full scan in a
 * few queries. Each window query reads only the key columns; read-back fetches the page's full rows. OLDEST walks
 * the same windows oldest first, from the start of the range.
 */
export const scanStrategy: SearchStrategy = {
  name: 'scan',
  applies: () => true,
  keys: (ctx: SearchContext) =>
    sortedScanKeys(ctx.session, ctx.files, ctx.filter, ctx.after, ctx.want, ctx.sort, ctx.timings, {
      select: ctx.select,
      known: ctx.known,
    }),
};

/** Appends `raw` (page order) to `keys`, without the same version twice (a replayed flush not yet compacted). */
function appendKeys(keys: PostCursor[], raw: readonly PostCursor[]): void {
  for (const k of raw) {
    const last = keys.at(-1);
    if (last && last.uri === k.uri && last.indexedAtUs === k.indexedAtUs) continue;
    keys.push(k);
  }
}

/**
 * Keys of the first `want` visible matches after `after` in `files.posts`, in `sort` order, window by window:
 * LATEST from the end of the data backwards, OLDEST from the start of the range forwards, the same growth rules.
 * Also what the index strategies use for the files their index does not cover.
 */
export async function sortedScanKeys(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  after: PostCursor | undefined,
  want: number,
  sort: PostSort,
  timings?: Timings,
  rows?: ScanRows,
  firstWidthUs?: number,
): Promise<PostCursor[]> {
  return timed(timings, 'scan', async () => {
    const keys: PostCursor[] = [];
    let position: PostCursor | undefined = after;
    const bounds = scanBounds(files.posts, filter.fromUs, filter.toUs);
    const windowed = Number.isFinite(bounds.lo) && Number.isFinite(bounds.hi);
    const latest = sort === 'LATEST';
    // Where the next window starts: it reaches from `edge` towards older rows (LATEST) or newer ones (OLDEST).
    let edge: number;
    if (!latest) edge = after ? Math.max(bounds.lo, after.indexedAtUs) : bounds.lo;
    else if (after) edge = Math.min(bounds.hi, after.indexedAtUs + 1);
    else edge = windowed ? await dataEnd(session, files.posts, bounds.hi) : bounds.hi;
    let width = latest ? firstWindowWidth(edge, Date.now() * 1000) : FIRST_WINDOW_US;
    if (windowed) {
      const [lo, hi] = latest ? [edge - width, edge] : [edge, edge + width];
      width = narrowFirstWindow(width, await rowsToRead(session, files, filter, lo, hi), firstWidthUs);
    }
    while (keys.length < want && (!windowed || (latest ? edge > bounds.lo : edge < bounds.hi))) {
      const [lo, hi] = latest ? [windowLow(edge, width, bounds.lo), edge] : [edge, windowHigh(edge, width, bounds.hi)];
      const windowFiles: FileSets = windowed
        ? {
            ...files,
            posts: await filesInRange(session, files.posts, lo, hi),
            tombstones: filesOverlapping(files.tombstones, lo, Number.POSITIVE_INFINITY),
          }
        : files;
      const need = want - keys.length;
      const range = windowed ? { ...filter, fromUs: lo, toUs: hi } : filter;
      const raw = windowFiles.posts.length
        ? await pageKeys(session, windowFiles, range, position, need, sort, rows)
        : [];
      appendKeys(keys, raw);
      if (raw.length === need) {
        // The window may hold more: go on after the last row seen (the keyset also skips its duplicates).
        position = raw[raw.length - 1];
        continue;
      }
      if (!windowed) break;
      edge = latest ? lo : hi;
      width = nextWindowWidth(width, raw.length, want - keys.length);
    }
    return keys;
  });
}

/**
 * About how many rows of files.posts in [lo, hi) a window query reads: the tail's at most its text candidates when
 * the text index narrows them (a rare word's first window then takes in the whole tail, in one query).
 */
async function rowsToRead(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  lo: number,
  hi: number,
): Promise<number | undefined> {
  const tail = tailNarrowing(files, filter);
  if (!tail) return rowsInRange(session, files.posts, lo, hi);
  const rest = await rowsInRange(
    session,
    files.posts.filter((f) => !isTailPath(f)),
    lo,
    hi,
  );
  return rest === undefined ? undefined : rest + tail.rows.length;
}

/**
 * Where the data of a newest-first scan really ends: `hi` (a partition end), or just after the greatest
 * indexed_at of the newest partition's files when that is earlier — a closed day whose posts stop before
 * midnight would otherwise cost an empty first window and a 16× wider second one. From the files' spans
 * (file-spans.ts: their statistics, read once per file).
 */
async function dataEnd(session: Session, files: string[], hi: number): Promise<number> {
  const max = await maxIndexedAt(session, filesOverlapping(files, hi - 1, hi));
  // Partitions are by indexed_at day: older partitions hold only earlier rows.
  return max === undefined ? hi : Math.min(hi, max + 1);
}

/**
 * Keys of the next `limit` visible matches after `position`, in page order (duplicates included); with `rows`,
 * their `rows.select` columns go into `rows.known` on the way.
 */
async function pageKeys(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  position: PostCursor | undefined,
  limit: number,
  sort: PostSort,
  rows?: ScanRows,
): Promise<PostCursor[]> {
  const sql = new SqlParams();
  const cte = visiblePostsCte(sql, files, filter, position, sort);
  const select = rows ? rows.select : 'epoch_us(p.indexed_at) AS indexed_at, p.uri';
  // LIMIT is a validated integer spliced as a constant: DuckDB plans a top-N only for a constant limit.
  const found = await session.all(`${cte} SELECT ${select} FROM visible p ${orderBy(sort)} LIMIT ${limit}`, sql.values);
  if (rows) for (const r of found.map(toPostRecord)) rows.known.set(rowKey(r), r);
  return found.map((r) => ({ indexedAtUs: Number(r.indexed_at), uri: r.uri as string }));
}
