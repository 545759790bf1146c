// Peer 2: PostgreSQL 15 with pg_trgm, a private cluster under --out on a free port, loaded with the same posts.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '@bsky-explorer/testing';
import type { SearchSystem } from '../measure';
import type { Log } from '../progress';
import { step } from '../progress';
import type { QuerySpec } from '../query-mix';
import { peerCursorQuery, peerSearch, type KeysetCursor } from './peer-sql';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresPeer extends SearchSystem<KeysetCursor | undefined> {
  client: Client;
  load(csvPath: string, log: Log): Promise<{ loadSeconds: number; indexSeconds: number; bytes: number; rows: number }>;
  explain(spec: QuerySpec): Promise<string>;
  exportCsv(rows: number, path: string): Promise<number>;
  stop(): Promise<void>;
}

/** initdb refuses to run as root: then the cluster belongs to the `postgres` user and runs as it. */
async function asPgUser(cmd: string, args: string[]): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  if (isRoot) await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { maxBuffer: 1 << 24 });
  else await run(cmd, args, { maxBuffer: 1 << 24 });
}

export async function startPostgres(dir: string): Promise<PostgresPeer> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o755);
  if (isRoot) {
    await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).catch(() => {
      throw new Error(`the postgres user cannot write ${dir}: every folder above it must be traversable (chmod o+x)`);
    });
  }
  const pgdata = join(dir, 'data');
  await asPgUser(join(PG_BIN, 'initdb'), [
    '-D',
    pgdata,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const port = await freePort();
  // A bench cluster: durability off for the load (fsync) — it changes load time, not query time.
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c shared_buffers=2GB',
    '-c work_mem=64MB',
    '-c maintenance_work_mem=2GB',
    '-c max_parallel_maintenance_workers=2',
    '-c max_parallel_workers_per_gather=2',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_wal_size=8GB',
    '-c effective_cache_size=8GB',
  ].join(' ');
  await asPgUser(join(PG_BIN, 'pg_ctl'), [
    '-D',
    pgdata,
    '-l',
    join(dir, 'server.log'),
    '-o',
    opts,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query('SET statement_timeout = 300000');

  const exec = async (sql: string, params: unknown[]) =>
    (await client.query(sql, params)).rows as Record<string, unknown>[];
  return {
    label: 'postgres',
    client,
    async load(csvPath, log) {
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      await client.query(
        'CREATE TABLE posts (uri text NOT NULL, did text NOT NULL, text text NOT NULL, time_us bigint NOT NULL, indexed_at timestamp NOT NULL)',
      );
      const s1 = step(log, 'peers', 'PostgreSQL COPY posts');
      const res = await client.query(`COPY posts FROM '${csvPath.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`);
      const rows = res.rowCount ?? 0;
      const loadSeconds = s1.done(rows, 'rows') / 1000;
      const s2 = step(
        log,
        'peers',
        'PostgreSQL indexes: GIN lower(text) gin_trgm_ops, btree (time_us desc, uri), btree (did)',
      );
      await client.query('CREATE INDEX posts_text_trgm ON posts USING gin (lower(text) gin_trgm_ops)');
      await client.query('CREATE INDEX posts_time_uri ON posts (time_us DESC, uri DESC)');
      await client.query('CREATE INDEX posts_did ON posts (did, time_us DESC)');
      await client.query('VACUUM ANALYZE posts');
      const indexSeconds = s2.done(rows, 'rows') / 1000;
      const [{ bytes }] = await exec(`SELECT pg_total_relation_size('posts')::bigint AS bytes`, []);
      return { loadSeconds, indexSeconds, bytes: Number(bytes), rows };
    },
    async prepare(spec) {
      const q = peerCursorQuery(spec, 'postgres');
      if (!q) return undefined;
      const [row] = await exec(q.sql, q.params);
      return row ? { indexedAtUs: Number(row.time_us), uri: String(row.uri) } : undefined;
    },
    async run(spec, cursor) {
      const q = peerSearch(spec, 'postgres', cursor);
      const rows = await exec(q.sql, q.params);
      return spec.totalCount ? Number(rows[0]?.n ?? 0) : rows.length;
    },
    async explain(spec) {
      const q = peerSearch(spec, 'postgres');
      const rows = await exec(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params);
      return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
    },
    async exportCsv(rows, path) {
      await client.query(
        `COPY (SELECT uri, did, text, indexed_at FROM posts ORDER BY time_us DESC, uri DESC LIMIT ${rows}) TO '${path.replace(/'/g, "''")}' WITH (FORMAT csv, HEADER true)`,
      );
      return rows;
    },
    async stop() {
      await client.end().catch(() => undefined);
      await asPgUser(join(PG_BIN, 'pg_ctl'), ['-D', pgdata, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    },
  };
}

/** Exists so callers can check that the Debian binaries are present before trying. */
export async function postgresAvailable(): Promise<boolean> {
  return stat(join(PG_BIN, 'initdb')).then(
    () => true,
    () => false,
  );
}
