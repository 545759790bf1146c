import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface CompactionDbOptions {
  /** DuckDB worker threads (default 2: the server has few cores and ingest runs beside). */
  threads?: number;
  /** DuckDB memory limit; sorts beyond it spill to DATA_DIR/.duckdb/tmp (default '1GB'). */
  memoryLimit?: string;
}

export interface CompactionDb extends AsyncDisposable {
  readonly conn: DuckDBConnection;
  close(): void;
}

/**
 * A private in-memory DuckDB for compaction, separate from the query path's instance so a long merge never takes
 * the search service's threads or memory. Its spill and extension folders live under the data dir (nothing is ever
 * downloaded: parquet is built in).
 */
export async function openCompactionDb(dataDir: string, options: CompactionDbOptions = {}): Promise<CompactionDb> {
  const base = join(dataDir, '.duckdb');
  const tempDirectory = join(base, 'tmp');
  const extensionDirectory = join(base, 'extensions');
  await mkdir(tempDirectory, { recursive: true });
  await mkdir(extensionDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
    // A day of 8.1M posts needs more than 1 GB for the dedup join and sort (measured by the benchmark).
    memory_limit: options.memoryLimit ?? '4GB',
    temp_directory: tempDirectory,
    extension_directory: extensionDirectory,
    autoinstall_known_extensions: 'false',
  });
  const conn = await instance.connect();
  const close = () => {
    conn.closeSync();
    instance.closeSync();
  };
  return { conn, close, [Symbol.asyncDispose]: async () => close() };
}
