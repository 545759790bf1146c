import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';

/**
 * Rows per Parquet file, from the footer (parquet_file_metadata: no data page is read), remembered per path: a
 * data file never changes under its name (flush files are named after their stream ids, compacted files carry
 * their generation), so an entry is right until the file is gone. Bounded: the oldest entries go first.
 */
export class RowCounts {
  private readonly rows = new Map<string, number>();

  constructor(private readonly capacity = 100_000) {}

  async of(session: Session, files: readonly string[]): Promise<number> {
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
