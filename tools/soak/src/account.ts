// The exact account at the end of a soak: what the simulator sent (expected-*.tsv, from its seed) against what the
// Parquet data holds (the file set a reader sees right now: compacted files plus the flush files they did not
// replace), table by table, in DuckDB with every file list bound as a parameter.
import { DuckDBInstance, listValue, LIST, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { listDataFiles, postsWithDerivedColumns } from '@bsky-explorer/storage';
import type { ExpectedSummary } from './expected';

export interface TableAccount {
  expected: number;
  /** Rows on disk (every copy). */
  stored: number;
  /** Expected rows found at least once. */
  found: number;
  /** Expected rows missing that nothing explains (posts: not deleted, not superseded). Must be 0. */
  lost: number;
  /** Extra copies of a row (rows minus distinct rows). Must be 0. */
  duplicated: number;
  /** Rows on disk the simulator never sent. Must be 0. */
  unexpected: number;
  /** Posts only: versions compaction removed because a delete or a later update hides them. */
  removedByCompaction?: number;
  /** Up to 5 keys of lost / unexpected rows, for the report. */
  examples: { lost: string[]; unexpected: string[] };
}

export type Account = Record<'posts' | 'tombstones' | 'accounts' | 'identities', TableAccount>;

const KEYS = {
  posts: { cols: "{'uri': 'VARCHAR', 'cid': 'VARCHAR', 'time_us': 'BIGINT'}", key: "uri || '|' || cid" },
  tombstones: {
    cols: "{'uri': 'VARCHAR', 'kind': 'VARCHAR', 'time_us': 'BIGINT'}",
    key: "uri || '|' || kind || '|' || time_us",
  },
  accounts: { cols: "{'did': 'VARCHAR', 'time_us': 'BIGINT'}", key: "did || '|' || time_us" },
  identities: {
    cols: "{'did': 'VARCHAR', 'handle': 'VARCHAR', 'time_us': 'BIGINT'}",
    key: "did || '|' || coalesce(handle, '') || '|' || time_us",
  },
} as const;

async function scalar(conn: DuckDBConnection, sql: string): Promise<number> {
  const r = await conn.runAndReadAll(sql);
  return Number(r.getRows()[0][0] ?? 0);
}

async function keys(conn: DuckDBConnection, sql: string): Promise<string[]> {
  return (await conn.runAndReadAll(sql)).getRows().map((r) => String(r[0]));
}

export async function account(dataDir: string, expected: Pick<ExpectedSummary, 'files'>): Promise<Account> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '2GB' });
  const conn = await db.connect();
  try {
    const out = {} as Account;
    // Tombstones first: they explain posts compaction removed.
    for (const table of ['tombstones', 'accounts', 'identities', 'posts'] as const) {
      const { cols, key } = KEYS[table];
      await conn.run(
        `CREATE TABLE exp_${table} AS SELECT *, ${key} AS k FROM read_csv($file, header = false, delim = '\t', quote = '', escape = '', nullstr = '\\N', columns = ${cols})`,
        { file: expected.files[table] },
      );
      if (table === 'identities') await conn.run(`UPDATE exp_identities SET handle = NULL WHERE handle = ''`);
      const files = await listDataFiles(dataDir, table);
      const select = Object.keys(
        table === 'posts'
          ? { uri: 1, cid: 1, time_us: 1 }
          : table === 'tombstones'
            ? { uri: 1, kind: 1, time_us: 1 }
            : table === 'accounts'
              ? { did: 1, time_us: 1 }
              : { did: 1, handle: 1, time_us: 1 },
      ).join(', ');
      if (files.length > 0)
        await conn.run(
          `CREATE TABLE got_${table} AS SELECT ${select}, ${key} AS k FROM ${table === 'posts' ? postsWithDerivedColumns('read_parquet($files)') : 'read_parquet($files)'}`,
          {
            files: listValue(files),
          },
          { files: LIST(VARCHAR) },
        );
      else await conn.run(`CREATE TABLE got_${table} AS SELECT *, k FROM exp_${table} WHERE false`);
      // Posts a delete, or an update newer than the version, allows compaction to drop.
      const explained =
        table === 'posts'
          ? `OR EXISTS (SELECT 1 FROM exp_tombstones t WHERE t.uri = e.uri AND (t.kind = 'delete' OR (t.kind = 'supersede' AND t.time_us > e.time_us)))`
          : '';
      const missing = `FROM exp_${table} e WHERE NOT EXISTS (SELECT 1 FROM got_${table} g WHERE g.k = e.k)`;
      const acc: TableAccount = {
        expected: await scalar(conn, `SELECT count(*) FROM exp_${table}`),
        stored: await scalar(conn, `SELECT count(*) FROM got_${table}`),
        found: await scalar(
          conn,
          `SELECT count(*) FROM exp_${table} e WHERE EXISTS (SELECT 1 FROM got_${table} g WHERE g.k = e.k)`,
        ),
        lost: await scalar(conn, `SELECT count(*) ${missing} AND NOT (false ${explained})`),
        duplicated: await scalar(conn, `SELECT count(*) - count(DISTINCT k) FROM got_${table}`),
        unexpected: await scalar(
          conn,
          `SELECT count(*) FROM got_${table} g WHERE NOT EXISTS (SELECT 1 FROM exp_${table} e WHERE e.k = g.k)`,
        ),
        examples: {
          lost: await keys(conn, `SELECT e.k ${missing} AND NOT (false ${explained}) ORDER BY e.k LIMIT 5`),
          unexpected: await keys(
            conn,
            `SELECT g.k FROM got_${table} g WHERE NOT EXISTS (SELECT 1 FROM exp_${table} e WHERE e.k = g.k) ORDER BY g.k LIMIT 5`,
          ),
        },
      };
      if (table === 'posts')
        acc.removedByCompaction = await scalar(conn, `SELECT count(*) ${missing} AND (false ${explained})`);
      out[table] = acc;
    }
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Whether the account is clean: nothing lost, nothing twice, nothing that was not sent. */
export function isClean(a: Account): boolean {
  return Object.values(a).every((t) => t.lost === 0 && t.duplicated === 0 && t.unexpected === 0);
}
