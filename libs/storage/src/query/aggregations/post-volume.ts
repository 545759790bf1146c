import type { Session } from '../../duckdb/pool';
import { FilterError } from '../filter';
import type { FileSets, PostFilter } from '../post-sql';
import { aggregateVisible } from './visible-matches';

export type VolumeInterval = 'MINUTE' | 'HOUR' | 'DAY';

export interface VolumeBucket {
  /** Start of the UTC minute, hour or day (µs). */
  startUs: number;
  count: number;
}

export const INTERVAL_US: Record<VolumeInterval, number> = {
  MINUTE: 60_000_000,
  HOUR: 3_600_000_000,
  DAY: 86_400_000_000,
};

/** Buckets one answer may hold: a week of minutes (an hour of a year is 8,760). */
export const MAX_VOLUME_BUCKETS = 10_080;

function tooMany(buckets: number, interval: VolumeInterval): FilterError {
  return new FilterError(
    'interval',
    `postVolume by ${interval} over this range has ${buckets} buckets, more than ${MAX_VOLUME_BUCKETS}; narrow dateRange or use a coarser interval`,
  );
}

/**
 * Visible posts matching `filter` per bucket of `interval` (UTC-aligned), each post once, in time order, with the
 * empty buckets between the range's start and end (an open end: the bucket of the first or last match). MINUTE
 * needs a closed dateRange; any answer past MAX_VOLUME_BUCKETS is a FilterError (before any I/O when the range is
 * closed).
 */
export async function postVolume(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  interval: VolumeInterval,
): Promise<VolumeBucket[]> {
  const width = INTERVAL_US[interval];
  if (width === undefined) throw new FilterError('interval', 'interval must be MINUTE, HOUR or DAY');
  const floor = (us: number) => Math.floor(us / width) * width;
  if (interval === 'MINUTE' && (filter.fromUs === undefined || filter.toUs === undefined)) {
    throw new FilterError(
      'dateRange',
      `postVolume by MINUTE needs a dateRange with from and to (at most ${MAX_VOLUME_BUCKETS} minutes)`,
    );
  }
  const count = (from: number, to: number) => Math.ceil((to - floor(from)) / width);
  if (filter.fromUs !== undefined && filter.toUs !== undefined) {
    const n = count(filter.fromUs, filter.toUs);
    if (n > MAX_VOLUME_BUCKETS) throw tooMany(n, interval);
  }
  // The width is a constant of INTERVAL_US, not user input: spliced so DuckDB folds the bucket expression.
  const rows = await aggregateVisible(
    session,
    files,
    filter,
    () =>
      `SELECT (epoch_us(p.indexed_at) // ${width}) * ${width} AS start, count(DISTINCT p.uri) AS n
       FROM visible p GROUP BY start ORDER BY start`,
  );
  const counts = new Map(rows.map((r) => [Number(r.start), Number(r.n)]));
  const starts = [...counts.keys()];
  if (starts.length === 0 && (filter.fromUs === undefined || filter.toUs === undefined)) return [];
  const from = filter.fromUs ?? starts[0];
  const to = filter.toUs ?? starts[starts.length - 1] + width;
  const n = count(from, to);
  if (n > MAX_VOLUME_BUCKETS) throw tooMany(n, interval);
  const out: VolumeBucket[] = [];
  for (let start = floor(from); start < to; start += width) out.push({ startUs: start, count: counts.get(start) ?? 0 });
  return out;
}
