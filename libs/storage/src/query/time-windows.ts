import { basename, dirname } from 'node:path';
import { dateEndUs, dateStartUs, parsePartitionDirName } from '../layout/partition';

/**
 * The first window a search scans, newest first: 5 minutes of an 8M-post day is ~28k rows (~2 row groups of
 * 16,384), enough for a page of a common term; a 1 h first window read ~21 row groups for the same page.
 */
export const FIRST_WINDOW_US = 300_000_000;

/** About the rows of FIRST_WINDOW_US at 8.1M posts a day: the most a first window should read. */
export const FIRST_WINDOW_ROWS = 30_000;

/** The narrowest first window sized from a known density of matches (a row group of an 8M-post day is ~40 s). */
export const MIN_WINDOW_US = 5_000_000;

/**
 * The first window that should hold `want` matches of a term found in `postsPerDay` posts a day (twice that, for
 * safety): at 8.1M posts a day a word in 8 % of them needs ~14 s of the newest posts, not the default 5 minutes.
 */
export function densityWindowUs(want: number, postsPerDay: number): number | undefined {
  if (!(postsPerDay > 0)) return undefined;
  return Math.ceil((2 * want * DAY_US) / postsPerDay);
}

const DAY_US = 86_400_000_000;

/** Growth after a window without any match: a rare term needs few queries (5 min, 80 min, 21 h, 14 days, …). */
export const EMPTY_WINDOW_GROWTH = 16;

/**
 * How much wider than the matches seen so far predict the next window is made. Rows read past the page cost in
 * proportion; a window that falls short costs one more query (~4 ms). With few matches seen the prediction is
 * noisy, and a wide margin then mostly reads rows nobody needs: in a Poisson model of the matches, 1.2 read the
 * least on average for a phrase found twice in its first window (×2 read 35 % more), and the same as ×2 for denser
 * texts. Measured on the 8.1M-post day, the bench's phrase: 2,751 s of posts read for its page with ×2, CPU −30 %
 * with 1.2.
 */
export const WINDOW_SLACK = 1.2;

/**
 * The width of the next window, from the density of matches in the last one: wide enough to hold what is still
 * needed at that density (×WINDOW_SLACK), never narrower than the last; EMPTY_WINDOW_GROWTH× after no match
 * (the last minutes of a live day may simply not have happened yet).
 */
export function nextWindowWidth(width: number, found: number, stillNeeded: number): number {
  if (found === 0) return width * EMPTY_WINDOW_GROWTH;
  return Math.max(width, Math.ceil((width * stillNeeded * WINDOW_SLACK) / found));
}

/**
 * The low end of the window [lo, hi): `width` below hi, but the whole rest down to `floor` when what would be left
 * is less than half the window (one scan of the remaining range instead of a short extra query).
 */
export function windowLow(hi: number, width: number, floor: number): number {
  const lo = hi - width;
  return lo - floor < width / 2 ? floor : lo;
}

/** windowLow for an oldest-first scan: the high end of [lo, hi), the whole rest up to `ceiling` when little is left. */
export function windowHigh(lo: number, width: number, ceiling: number): number {
  const hi = lo + width;
  return ceiling - hi < width / 2 ? ceiling : hi;
}

/**
 * The first window ends at the end of the data and reaches FIRST_WINDOW_US before now: today's partition ends at 24:00,
 * and the hours not yet lived are empty (a clock skew of a future indexed_at still falls inside it).
 */
export function firstWindowWidth(hi: number, nowUs: number): number {
  return hi - Math.min(hi, nowUs) + FIRST_WINDOW_US;
}

/**
 * The first window narrowed from `width` (firstWindowWidth): to about FIRST_WINDOW_ROWS when `rows` estimate more
 * in it (data denser than a steady day: a live firehose's tail, a burst), and to `hintUs` when a known density of
 * matches says the page lies closer; never below MIN_WINDOW_US. Only the FIRST_WINDOW_US part is narrowed (the rest
 * is the part of today not yet lived, which holds no rows).
 */
export function narrowFirstWindow(width: number, rows: number | undefined, hintUs?: number): number {
  const rowsWidth =
    rows !== undefined && rows > FIRST_WINDOW_ROWS ? (FIRST_WINDOW_US * FIRST_WINDOW_ROWS) / rows : FIRST_WINDOW_US;
  const narrowest = Math.max(MIN_WINDOW_US, Math.min(rowsWidth, hintUs ?? FIRST_WINDOW_US));
  return width - (FIRST_WINDOW_US - Math.ceil(Math.min(FIRST_WINDOW_US, narrowest)));
}

/** The partition day [start, end) of a data file, from its `date=YYYY-MM-DD` folder. */
export function fileSpan(path: string): { startUs: number; endUs: number } | undefined {
  const date = parsePartitionDirName(basename(dirname(path)));
  return date ? { startUs: dateStartUs(date), endUs: dateEndUs(date) } : undefined;
}

/** The files whose partition overlaps [fromUs, toUs) (files outside the layout are always kept). */
export function filesOverlapping(files: readonly string[], fromUs: number, toUs: number): string[] {
  return files.filter((f) => {
    const span = fileSpan(f);
    return !span || (span.startUs < toUs && span.endUs > fromUs);
  });
}

/** The time span the files cover, narrowed by a range: where a newest-first scan starts and stops. */
export function scanBounds(files: readonly string[], fromUs?: number, toUs?: number): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const f of files) {
    const span = fileSpan(f);
    if (!span) return { lo: fromUs ?? Number.NEGATIVE_INFINITY, hi: toUs ?? Number.POSITIVE_INFINITY };
    lo = Math.min(lo, span.startUs);
    hi = Math.max(hi, span.endUs);
  }
  return { lo: Math.max(lo, fromUs ?? lo), hi: Math.min(hi, toUs ?? hi) };
}
