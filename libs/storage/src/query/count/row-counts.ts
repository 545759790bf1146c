import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';
import { isTailPath } from '../../tail/tail-path';
import { SqlParams } from '../post-sql';
import { knownRows } from '../file-spans';

/**
 * Rows per Parquet file, from the footer (parquet_file_metadata: no data page is read), remembered per path: a
 * data file never changes under its name (flush files are named after their stream ids, compacted files carry
 * their generation), so an entry is right until the file is gone. Bounded: the oldest entries go first.
 */
export class RowCounts {
  private readonly rows = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  async of(session: Session, files: readonly string[]): Promise<number> {
    const tail = files.filter(isTailPath);
    if (tail.length > 0)
      return (
        (await this.of(
          session,
          files.filter((f) => !isTailPath(f)),
        )) + (await tailRows(session, tail))
      );
    const missing = files.filter((f) => !this.rows.has(f));
    if (missing.length > 0) {
      const found = await session.all(`SELECT file_name, num_rows FROM parquet_file_metadata($files::VARCHAR[])`, {
        files: listValue(missing),
      });
      for (const r of found) this.rows.set(r.file_name as string, Number(r.num_rows));
      while (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value as string);
    }
    return files.reduce((sum, f) => sum + (this.rows.get(f) ?? 0), 0);
  }
}

/**
 * Rows of the tail's pseudo files: from the snapshot when their spans say (tail-files.ts), else counted (a scan of
 * the tail's rows, ~10–25 ms at 500k); not remembered, the next snapshot is another path.
 */
async function tailRows(session: Session, paths: string[]): Promise<number> {
  const known = paths.map(knownRows);
  if (known.every((n) => n !== undefined)) return known.reduce((a, b) => a + b, 0);
  const sql = new SqlParams();
  const [row] = await session.all(`SELECT count(*) AS n FROM ${sql.files(paths)}`, sql.values);
  return Number(row.n);
}
