import type { TableName } from '@bsky-explorer/schema';
import { listPartitionDates } from '../layout/list-data-files';
import { partitionDate } from '../layout/partition';
import { acquireCompactionLock } from './compaction-lock';
import { openCompactionDb, type CompactionDbOptions } from './compaction-db';
import { compactPartition, type CompactionOptions, type PartitionSummary } from './compact-partition';

// Tombstones first: posts compaction drops what they delete, and reads them through the published file set.
const TABLE_ORDER: readonly TableName[] = ['tombstones', 'accounts', 'identities', 'posts'];

export interface CompactDayOptions extends CompactionOptions, CompactionDbOptions {
  /** Tables to compact (default all four, tombstones first). */
  tables?: readonly TableName[];
}

export interface CompactionTotals {
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Replaced files deleted after their grace period. */
  deleted: number;
  durationMs: number;
}

export interface DaySummary extends CompactionTotals {
  date: string;
  partitions: PartitionSummary[];
}

export interface CompactionRunSummary extends CompactionTotals {
  /** Days where a new generation was published. */
  days: DaySummary[];
}

function totals(parts: readonly PartitionSummary[]) {
  return {
    rowsIn: parts.reduce((a, p) => a + p.rowsIn, 0),
    rowsOut: parts.reduce((a, p) => a + p.rowsOut, 0),
    bytesIn: parts.reduce((a, p) => a + p.bytesIn, 0),
    bytesOut: parts.reduce((a, p) => a + p.bytesOut, 0),
    deleted: parts.reduce((a, p) => a + p.deleted, 0),
  };
}

async function runDays(dataDir: string, dates: readonly string[], options: CompactDayOptions): Promise<DaySummary[]> {
  const release = await acquireCompactionLock(dataDir, options.now);
  try {
    const db = await openCompactionDb(dataDir, options);
    try {
      const out: DaySummary[] = [];
      for (const date of dates) {
        const started = performance.now();
        const partitions: PartitionSummary[] = [];
        for (const table of options.tables ?? TABLE_ORDER) {
          partitions.push(await compactPartition(db.conn, dataDir, table, date, options));
        }
        out.push({ date, partitions, ...totals(partitions), durationMs: performance.now() - started });
      }
      return out;
    } finally {
      db.close();
    }
  } finally {
    await release();
  }
}

/**
 * Compacts one day: for each table, merges the day's flush files (and its earlier compacted files) into few
 * sorted, deduplicated files and swaps them in atomically; deletes files replaced longer than graceMs ago.
 * Idempotent: a rerun with nothing new only sweeps.
 */
export async function compactDay(dataDir: string, date: string, options: CompactDayOptions = {}): Promise<DaySummary> {
  const [summary] = await runDays(dataDir, [date], options);
  return summary;
}

/** Compacts every day before today (UTC, from `now`) that has something to merge or to sweep. */
export async function compactClosedDays(
  dataDir: string,
  options: CompactDayOptions = {},
): Promise<CompactionRunSummary> {
  const started = performance.now();
  const today = partitionDate((options.now ?? Date.now()) * 1000);
  const tables = options.tables ?? TABLE_ORDER;
  const dates = new Set<string>();
  for (const table of tables) for (const d of await listPartitionDates(dataDir, table)) if (d < today) dates.add(d);
  const all = await runDays(dataDir, [...dates].sort(), options);
  const days = all.filter((d) => d.partitions.some((p) => p.compacted || p.deleted > 0));
  return { days, ...totals(days.flatMap((d) => d.partitions)), durationMs: performance.now() - started };
}
