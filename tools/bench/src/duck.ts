// A private DuckDB instance for the harness's own work (data generation, derivation, the NDJSON peer).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export interface Duck {
  all<T = Record<string, unknown>>(sql: string, params?: Record<string, DuckDBValue>): Promise<T[]>;
  run(sql: string, params?: Record<string, DuckDBValue>): Promise<void>;
  close(): void;
}

export async function openDuck(
  workDir: string,
  options: { threads?: number; memoryLimit?: string } = {},
): Promise<Duck> {
  const base = join(workDir, '.duckdb');
  await mkdir(join(base, 'ext'), { recursive: true });
  await mkdir(join(base, 'tmp'), { recursive: true });
  const config: Record<string, string> = {
    extension_directory: join(base, 'ext'),
    autoinstall_known_extensions: 'false',
    temp_directory: join(base, 'tmp'),
    preserve_insertion_order: 'false',
  };
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn: DuckDBConnection = await instance.connect();
  return {
    async all<T>(sql: string, params?: Record<string, DuckDBValue>) {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as T[];
    },
    async run(sql, params) {
      await conn.run(sql, params);
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** A string literal for DuckDB SQL (for paths we build ourselves, never for user input). */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
