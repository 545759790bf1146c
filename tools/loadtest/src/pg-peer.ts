// PostgreSQL + pg_trgm loaded with the posts a reader of DATA_DIR sees, through the bench's peer (tools/bench
// peers/postgres.ts: the same cluster settings, table and indexes as the benchmark), plus an index on uri for the
// lookup shape (a PostgreSQL-backed service would have the uri as its key).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, listValue, LIST, VARCHAR } from '@duckdb/node-api';
import { startPostgres, type PostgresPeer } from '@bsky-explorer/bench/src/peers/postgres';
import { listDataFiles, postsWithDerivedColumns } from '@bsky-explorer/storage';

const MARKER = '.loadtest-postgres';

/** startPostgres wipes its folder: only an empty or missing folder, or one this tool made, is accepted. */
async function checkFolder(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0 && !entries.includes(MARKER))
    throw new Error(`--postgres ${dir}: the folder holds other files; give an empty or new folder (it is wiped)`);
}

export async function loadPostgres(
  dataDir: string,
  dir: string,
  log: (line: string) => void,
): Promise<{ peer: PostgresPeer; port: number; rows: number; loadSeconds: number; indexSeconds: number }> {
  await checkFolder(dir);
  const peer = await startPostgres(dir);
  try {
    return await fill(peer, dataDir, dir, log);
  } catch (err) {
    await peer.stop();
    throw err;
  }
}

async function fill(peer: PostgresPeer, dataDir: string, dir: string, log: (line: string) => void) {
  await writeFile(join(dir, MARKER), 'made by npm run loadtest -- --postgres\n');
  const csv = join(dir, 'posts.csv');
  await mkdir(dir, { recursive: true });
  const files = await listDataFiles(dataDir, 'posts');
  log(`postgres: ${files.length} Parquet files → ${csv}`);
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  try {
    // COPY … TO takes no parameter for its target; the path is this tool's own, the file list is bound.
    await conn.run(
      `COPY (SELECT uri, did, text, time_us, indexed_at FROM ${postsWithDerivedColumns('read_parquet($files)')}) TO '${csv.replace(/'/g, "''")}' (FORMAT csv, HEADER)`,
      { files: listValue(files) },
      { files: LIST(VARCHAR) },
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  // The bench's 300 s bound on one statement stopped the GIN build at 8.1M posts on the shared machine: no bound
  // for the load; the measured levels set their own.
  await peer.client.query('SET statement_timeout = 0');
  const load = await peer.load(csv, (line) => log(`postgres: ${line}`));
  const t = performance.now();
  await peer.client.query('CREATE INDEX posts_uri ON posts (uri)');
  await rm(csv, { force: true });
  const port = Number((peer.client as unknown as { port: number }).port);
  return {
    peer,
    port,
    rows: load.rows,
    loadSeconds: load.loadSeconds,
    indexSeconds: load.indexSeconds + (performance.now() - t) / 1000,
  };
}
