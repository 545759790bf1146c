import { join, resolve } from 'node:path';

/** Folders under --out. DATA_DIR is what ingest + compaction would have produced; gen holds the raw NDJSON. */
export interface BenchPaths {
  out: string;
  dataDir: string;
  gen: string;
  rawEvents: string;
  rowsFile: (table: string) => string;
  ingest: string;
  pg: string;
  logs: string;
  marker: string;
}

export function benchPaths(out: string): BenchPaths {
  const root = resolve(out);
  const gen = join(root, 'gen');
  return {
    out: root,
    dataDir: join(root, 'data'),
    gen,
    rawEvents: join(gen, 'day1.events.ndjson'),
    rowsFile: (table) => join(gen, `day1.${table}.ndjson`),
    ingest: join(root, 'ingest'),
    pg: join(root, 'pg'),
    logs: join(root, 'logs'),
    marker: join(root, 'data', '.bench-data.json'),
  };
}
