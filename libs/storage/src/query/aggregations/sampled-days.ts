import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';
import type { IndexedDay } from '../../layout/list-data-files';
import { postsWithDerivedColumns } from '../../posts-columns';
import type { RowCounts } from '../count/row-counts';
import {
  filesWithout,
  filterConditions,
  postsSource,
  type FileSets,
  type PostFilter,
  type SqlParams,
} from '../post-sql';

/**
 * Rows a day's sample needs to be used: below it (a day of fewer than ~10,000 posts at 1 %) the day is read whole,
 * which costs little, where an estimate from so few rows would mean little.
 */
export const MIN_SAMPLE_ROWS = 100;

/** The candidate rows of an estimated aggregate. */
export interface SampledCandidates {
  /**
   * One SELECT of post rows over the alias `p`, every predicate of the filter applied, with a `weight` column: the
   * rows of each sampled day's sample weigh that day's rows ÷ its sample's rows; the rows of the other files (flush
   * files, the tail, days without a usable sample), read whole, have a NULL weight (each counts once, duplicates of a
   * replayed flush once in all).
   */
  select: string;
  /** The days answered from their sample (YYYY-MM-DD), ascending. */
  dates: string[];
}

/**
 * The rows an aggregate reads when the range holds more rows than an exact scan may read: each compacted day from
 * its sample (compaction/sample-file.ts), scaled by the Parquet footers' row counts, plus every other file of the
 * range. The sample is a fixed set of uris, so a sample row goes through the same visibility rules as the day's
 * rows (the caller's visible CTE: tombstones, hidden versions, superseded versions, hidden accounts): an estimate
 * of the visible posts. undefined when no day in range has a usable sample.
 */
export async function sampledCandidates(
  session: Session,
  sql: SqlParams,
  files: FileSets,
  filter: PostFilter,
  rowCounts: RowCounts,
  minSampleRows = MIN_SAMPLE_ROWS,
): Promise<SampledCandidates | undefined> {
  const days = (files.indexed ?? []).filter((d) => d.sample !== undefined);
  const sampleOf = (d: IndexedDay) => d.sample as string;
  // One footer read for every file not counted yet; the per-day sums below then hit the cache.
  await rowCounts.of(session, [...days.map(sampleOf), ...days.flatMap((d) => d.files)]);
  const sampled: { day: IndexedDay; weight: number }[] = [];
  for (const day of days) {
    const sampleRows = await rowCounts.of(session, [sampleOf(day)]);
    if (sampleRows < minSampleRows) continue;
    sampled.push({ day, weight: (await rowCounts.of(session, day.files)) / sampleRows });
  }
  if (sampled.length === 0) return undefined;

  const samples = sql.bind(listValue(sampled.map((s) => sampleOf(s.day))));
  const weights = sql.bind(listValue(sampled.map((s) => s.weight)));
  const read = postsWithDerivedColumns(
    `read_parquet(${samples}::VARCHAR[], hive_partitioning = false, filename = true)`,
  );
  const where = filterConditions(sql, filter);
  const selects = [
    `SELECT p.* EXCLUDE (filename),
       list_extract(${weights}::DOUBLE[], list_position(${samples}::VARCHAR[], p.filename)) AS weight
     FROM ${read} p${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
  ];
  const usable = new Set(sampled.map((s) => s.day));
  const rest = filesWithout(files, (d) => usable.has(d));
  if (rest.length > 0) {
    const restWhere = filterConditions(sql, filter);
    selects.push(
      `SELECT p.*, NULL::DOUBLE AS weight FROM ${postsSource(sql, files, rest, filter)} p${restWhere.length ? ` WHERE ${restWhere.join(' AND ')}` : ''}`,
    );
  }
  return { select: selects.join(' UNION ALL BY NAME '), dates: sampled.map((s) => s.day.date).sort() };
}
