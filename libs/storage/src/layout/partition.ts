import { join } from 'node:path';
import type { TableName } from '@bsky-explorer/schema';

const DAY_US = 86_400_000_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const STREAM_ID_RE = /^(\d+)-(\d+)$/;

/** The partition key of a row: the UTC calendar day of its indexed_at (µs since the epoch), 'YYYY-MM-DD'. */
export function partitionDate(indexedAtUs: number): string {
  if (!Number.isFinite(indexedAtUs)) throw new RangeError(`indexed_at is not a number: ${indexedAtUs}`);
  return new Date(Math.floor(indexedAtUs / 1000)).toISOString().slice(0, 10);
}

/** Microseconds at 00:00 UTC of a 'YYYY-MM-DD' date. */
export function dateStartUs(date: string): number {
  assertDate(date);
  return Date.parse(`${date}T00:00:00Z`) * 1000;
}

/** Microseconds at 00:00 UTC of the day after `date` (the exclusive end of its partition). */
export function dateEndUs(date: string): number {
  return dateStartUs(date) + DAY_US;
}

export function assertDate(date: string): void {
  if (!DATE_RE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
}

/** Folder of a table: DATA_DIR/<table>. */
export function tableDir(dataDir: string, table: TableName): string {
  return join(dataDir, table);
}

/** Hive-style partition folder: DATA_DIR/<table>/date=YYYY-MM-DD. */
export function partitionDir(dataDir: string, table: TableName, date: string): string {
  assertDate(date);
  return join(dataDir, table, `date=${date}`);
}

/** 'date=YYYY-MM-DD' → 'YYYY-MM-DD', anything else → undefined. */
export function parsePartitionDirName(name: string): string | undefined {
  if (!name.startsWith('date=')) return undefined;
  const date = name.slice(5);
  return DATE_RE.test(date) ? date : undefined;
}

// Zero-padded so that names sort like the stream ids they come from (ms has 13 digits until the year 2286).
export function padStreamId(id: string): string {
  const m = STREAM_ID_RE.exec(id);
  if (!m) throw new RangeError(`not a Redis stream id: ${JSON.stringify(id)}`);
  return `${m[1].padStart(13, '0')}-${m[2].padStart(10, '0')}`;
}

export const FLUSH_PREFIX = 'flush-';
/** Files written by compaction: compacted-<generation>-<n>.parquet. */
export const COMPACTED_PREFIX = 'compacted-';
export const PARQUET_EXT = '.parquet';
export const TMP_EXT = '.tmp';

/**
 * The file name of a flush, derived only from the Redis stream-id range it holds, so that a flush redone after a
 * crash overwrites the same file instead of adding a second copy. Names sort in stream order.
 */
export function flushFileName(firstStreamId: string, lastStreamId: string): string {
  return `${FLUSH_PREFIX}${padStreamId(firstStreamId)}_${padStreamId(lastStreamId)}${PARQUET_EXT}`;
}

export function isFlushFile(name: string): boolean {
  return name.startsWith(FLUSH_PREFIX) && name.endsWith(PARQUET_EXT);
}

/** The padded stream-id range [first, last] a flush file name holds (see flushFileName), or undefined. */
export function flushFileRange(name: string): { first: string; last: string } | undefined {
  if (!isFlushFile(name)) return undefined;
  const [first, last, extra] = name.slice(FLUSH_PREFIX.length, -PARQUET_EXT.length).split('_');
  return first && last && extra === undefined ? { first, last } : undefined;
}
