import type { Session } from '../duckdb/pool';
import { isTailPath } from '../tail/tail-path';
import { SqlParams } from './post-sql';
import { filesOverlapping } from './time-windows';

/** The indexed_at range of one posts file, in µs (max inclusive), and its rows when known. */
export interface Span {
  minUs: number;
  maxUs: number;
  rows?: number;
}

/**
 * indexed_at ranges of posts files, by path. A data file never changes once written under its name (flush files
 * are named by the stream ids they hold, compacted files by generation), so a span is read once, from the file's
 * Parquet statistics (no row is read), and kept. Bounded: oldest first out.
 */
const spans = new Map<string, Span>();
const MAX_SPANS = 50_000;

/**
 * The files of `files` that can hold a row with indexed_at in [lo, hi): first by partition day, then by each
 * file's own span. A scan window of a few minutes then opens only the file holding it: a compacted day is split
 * into files of ~4M rows, and a live day into a flush file every few minutes, and each file opened costs its row
 * groups' statistics checks even when all are skipped (at 8.1M posts/day: a 20-second window over both files of a
 * day 54 ms CPU, over the one holding it 41 ms).
 */
export async function filesInRange(
  session: Session,
  files: readonly string[],
  lo: number,
  hi: number,
): Promise<string[]> {
  const byDay = filesOverlapping(files, lo, hi);
  const unknown = byDay.filter((f) => !spans.has(f) && !isTailPath(f));
  if (unknown.length > 0) await readSpans(session, unknown);
  return byDay.filter((f) => {
    const span = spans.get(f);
    return !span || (span.minUs < hi && span.maxUs >= lo);
  });
}

/**
 * The files of `files` whose span holds at least one of `times` (µs): a page's rows read back by key open only the
 * files holding them (a day is split into files of ~500k posts).
 */
export async function filesHolding(
  session: Session,
  files: readonly string[],
  times: readonly number[],
): Promise<string[]> {
  const unknown = files.filter((f) => !spans.has(f) && !isTailPath(f));
  if (unknown.length > 0) await readSpans(session, unknown);
  const sorted = [...times].sort((a, b) => a - b);
  return files.filter((f) => {
    const span = spans.get(f);
    if (!span) return true;
    // The first time ≥ the span's start: held when it is ≤ its end.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < span.minUs) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && sorted[lo] <= span.maxUs;
  });
}

/** The greatest indexed_at of the files (µs), from their spans; undefined for no file or a file without one. */
export async function maxIndexedAt(session: Session, files: readonly string[]): Promise<number | undefined> {
  const unknown = files.filter((f) => !spans.has(f) && !isTailPath(f));
  if (unknown.length > 0) await readSpans(session, unknown);
  let max: number | undefined;
  for (const f of files) {
    const span = spans.get(f);
    if (!span) return undefined;
    max = max === undefined ? span.maxUs : Math.max(max, span.maxUs);
  }
  return max;
}

/**
 * About how many rows of `files` lie in [lo, hi), from their spans and row counts (rows spread evenly over a
 * span); undefined when a file overlapping it has no known span or count.
 */
export async function rowsInRange(
  session: Session,
  files: readonly string[],
  lo: number,
  hi: number,
): Promise<number | undefined> {
  let rows = 0;
  for (const f of await filesInRange(session, files, lo, hi)) {
    const span = spans.get(f);
    if (!span || span.rows === undefined) return undefined;
    const overlap = Math.min(hi, span.maxUs + 1) - Math.max(lo, span.minUs);
    rows += (span.rows * Math.max(0, overlap)) / (span.maxUs + 1 - span.minUs);
  }
  return rows;
}

/** The rows of a file as its span recorded them (registerSpan: the tail's pseudo files), if it did. */
export function knownRows(path: string): number | undefined {
  return spans.get(path)?.rows;
}

/**
 * Records the span of a file that has no Parquet statistics: the tail's pseudo files (tail-files.ts), whose rows
 * are fixed by their stream-id range. Without one such a file is in every window and has no known end.
 */
export function registerSpan(path: string, span: Span): void {
  spans.set(path, span);
  while (spans.size > MAX_SPANS) spans.delete(spans.keys().next().value as string);
}

async function readSpans(session: Session, files: readonly string[]): Promise<void> {
  const sql = new SqlParams();
  // One single-file min/max/count per file: DuckDB answers each from the footer's statistics.
  const selects = files.map(
    (f, i) =>
      `SELECT ${i} AS i, epoch_us(min(indexed_at)) AS lo, epoch_us(max(indexed_at)) AS hi, count(*) AS n FROM ${sql.files([f])}`,
  );
  const rows = await session.all(selects.join(' UNION ALL '), sql.values);
  for (const r of rows) {
    // An empty file has no span: it is kept in every listing (and costs nothing to read).
    if (r.lo === null || r.hi === null) continue;
    spans.set(files[Number(r.i)], { minUs: Number(r.lo), maxUs: Number(r.hi), rows: Number(r.n) });
  }
  while (spans.size > MAX_SPANS) spans.delete(spans.keys().next().value as string);
}
