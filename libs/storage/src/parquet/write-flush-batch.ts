import { join } from 'node:path';
import type { TableName, TableRow, TableRows } from '@bsky-explorer/schema';
import { dateEndUs, dateStartUs, flushFileName, partitionDate, partitionDir } from '../layout/partition';
import { writeParquet } from './write-parquet';

export interface FlushBatch {
  /** First and last Redis stream id of the entries the rows come from: they name the files. */
  firstId: string;
  lastId: string;
  rows: readonly TableRow[];
}

export interface WrittenFile {
  table: TableName;
  date: string;
  path: string;
  rows: number;
  bytes: number;
}

const TABLE_ORDER: readonly TableName[] = ['posts', 'tombstones', 'accounts', 'identities'];

/**
 * Writes one flush: a file per (table, partition date) present in the batch, each named after the batch's
 * stream-id range, each durable before this resolves. Redoing the same batch rewrites the same files.
 */
export async function writeFlushBatch(dataDir: string, batch: FlushBatch): Promise<WrittenFile[]> {
  const name = flushFileName(batch.firstId, batch.lastId);
  const groups = new Map<TableName, Map<string, TableRows[TableName][]>>();
  // A flush nearly always falls in one day: reuse the last row's date while indexed_at stays inside it.
  let day = { date: '', start: 0, end: 0 };
  for (const { table, row } of batch.rows) {
    let byDate = groups.get(table);
    if (!byDate) groups.set(table, (byDate = new Map()));
    const t = row.indexed_at;
    if (!(t >= day.start && t < day.end)) {
      const date = partitionDate(t);
      day = { date, start: dateStartUs(date), end: dateEndUs(date) };
    }
    const date = day.date;
    let rows = byDate.get(date);
    if (!rows) byDate.set(date, (rows = []));
    rows.push(row);
  }
  const written: WrittenFile[] = [];
  for (const table of TABLE_ORDER) {
    const byDate = groups.get(table);
    if (!byDate) continue;
    for (const date of [...byDate.keys()].sort()) {
      const rows = byDate.get(date) as TableRows[typeof table][];
      const path = join(partitionDir(dataDir, table, date), name);
      const result = await writeParquet(table, rows, path);
      written.push({ table, date, path, ...result });
    }
  }
  return written;
}
