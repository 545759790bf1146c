import type { Session } from '../../duckdb/pool';
import { dateEndUs, dateStartUs, partitionDate } from '../../layout/partition';
import { FilterError } from '../filter';
import type { FileSets, PostFilter } from '../post-sql';
import { aggregateVisible, type AggregateContext } from './visible-matches';

export type VolumeInterval = 'MINUTE' | 'HOUR' | 'DAY';

export interface VolumeBucket {
  /** Start of the UTC minute, hour or day (µs). */
  startUs: number;
  count: number;
  /** false: estimated from the sample of the bucket's day (sampled-days.ts), rounded to an integer. */
  exact: boolean;
}

/** The non-empty buckets of an answer (UTC-aligned start µs → posts), and the days whose counts are estimates. */
export interface VolumeCounts {
  counts: Map<number, number>;
  /** YYYY-MM-DD, see VisibleAggregate.estimatedDates. */
  estimatedDates: string[];
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
 * Throws FilterError unless postVolume of `filter` by `interval` can answer: MINUTE needs a closed dateRange, and a
 * closed range may hold at most MAX_VOLUME_BUCKETS buckets. Checked before any I/O.
 */
export function checkVolumeRange(filter: PostFilter, interval: VolumeInterval): void {
  const width = INTERVAL_US[interval];
  if (width === undefined) throw new FilterError('interval', 'interval must be MINUTE, HOUR or DAY');
  if (interval === 'MINUTE' && (filter.fromUs === undefined || filter.toUs === undefined)) {
    throw new FilterError(
      'dateRange',
      `postVolume by MINUTE needs a dateRange with from and to (at most ${MAX_VOLUME_BUCKETS} minutes)`,
    );
  }
  if (filter.fromUs !== undefined && filter.toUs !== undefined) {
    const n = bucketCount(filter.fromUs, filter.toUs, width);
    if (n > MAX_VOLUME_BUCKETS) throw tooMany(n, interval);
  }
}

const floorTo = (us: number, width: number) => Math.floor(us / width) * width;
const bucketCount = (from: number, to: number, width: number) => Math.ceil((to - floorTo(from, width)) / width);

/**
 * Visible posts matching `filter` per non-empty bucket of `interval` (each once; on days answered from their
 * sample, the estimate rounded to an integer: a bucket lies in one UTC day, buckets being at most a day wide).
 */
export async function volumeCounts(
  session: Session,
  files: FileSets,
  filter: PostFilter,
  interval: VolumeInterval,
  context: AggregateContext,
): Promise<VolumeCounts> {
  const width = INTERVAL_US[interval];
  // The width is a constant of INTERVAL_US, not user input: spliced so DuckDB folds the bucket expression.
  const { rows, estimatedDates } = await aggregateVisible(
    session,
    files,
    filter,
    context,
    ({ count }) =>
      `SELECT (epoch_us(p.indexed_at) // ${width}) * ${width} AS start, ${count} AS n
       FROM visible p GROUP BY start`,
  );
  const counts = new Map(rows.map((r) => [Number(r.start), Math.round(Number(r.n))]));
  return { counts, estimatedDates };
}

/**
 * The buckets in time order with the empty ones between the range's start and end (an open end: the bucket of the
 * first or last match, or the start or end of the first or last estimated day, whichever is further out: an
 * estimated day is answered whole, its empty buckets are estimates too; no match, no estimate and an open end:
 * none), each exact unless its day was estimated. FilterError past MAX_VOLUME_BUCKETS.
 */
export function volumeBuckets(
  { counts, estimatedDates }: VolumeCounts,
  filter: PostFilter,
  interval: VolumeInterval,
): VolumeBucket[] {
  const width = INTERVAL_US[interval];
  const estimated = new Set(estimatedDates);
  const starts = [...counts.keys()].sort((a, b) => a - b);
  const days = [...estimated].sort();
  const lows = [...starts.slice(0, 1), ...days.slice(0, 1).map(dateStartUs)];
  const highs = [...starts.slice(-1).map((s) => s + width), ...days.slice(-1).map(dateEndUs)];
  if (lows.length === 0 && (filter.fromUs === undefined || filter.toUs === undefined)) return [];
  const from = filter.fromUs ?? Math.min(...lows);
  const to = filter.toUs ?? Math.max(...highs);
  const n = bucketCount(from, to, width);
  if (n > MAX_VOLUME_BUCKETS) throw tooMany(n, interval);
  const out: VolumeBucket[] = [];
  for (let start = floorTo(from, width); start < to; start += width) {
    out.push({ startUs: start, count: counts.get(start) ?? 0, exact: !estimated.has(partitionDate(start)) });
  }
  return out;
}
