// Peer 1: DuckDB straight over the raw Jetstream NDJSON, as an analyst would query the capture with read_json.
import type { DuckDBValue } from '@duckdb/node-api';
import { openDuck, sqlString, type Duck } from '../duck';
import type { SearchSystem } from '../measure';
import type { QuerySpec } from '../query-mix';
import { peerCursorQuery, peerSearch, type KeysetCursor, type PeerQuery } from './peer-sql';

// DuckDB's node API binds `$1` by the name '1'.
const named = (q: PeerQuery): Record<string, DuckDBValue> =>
  Object.fromEntries(q.params.map((v, i) => [String(i + 1), typeof v === 'number' ? BigInt(v) : (v as DuckDBValue)]));

export interface DuckdbNdjsonPeer extends SearchSystem<KeysetCursor | undefined> {
  duck: Duck;
  exportCsv(rows: number, path: string): Promise<number>;
  close(): void;
}

export async function openDuckdbNdjsonPeer(workDir: string, ndjson: string): Promise<DuckdbNdjsonPeer> {
  const duck = await openDuck(workDir, { threads: 2, memoryLimit: '8GB' });
  // Only the fields the searches need are typed; read_json skips the rest of each object.
  await duck.run(`CREATE VIEW posts AS
    SELECT 'at://' || did || '/app.bsky.feed.post/' || "commit".rkey AS uri, did, time_us, "commit".record.text AS text
    FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', maximum_object_size = 16777216,
      columns = {did: 'VARCHAR', time_us: 'BIGINT', kind: 'VARCHAR',
                 "commit": 'STRUCT(operation VARCHAR, collection VARCHAR, rkey VARCHAR, record STRUCT(text VARCHAR))'})
    WHERE kind = 'commit' AND "commit".collection = 'app.bsky.feed.post' AND "commit".operation IN ('create', 'update')`);
  const exec = async (q: PeerQuery) => duck.all(q.sql, named(q));
  return {
    label: 'duckdb-ndjson',
    duck,
    async prepare(spec: QuerySpec) {
      const q = peerCursorQuery(spec, 'duckdb');
      if (!q) return undefined;
      const [row] = await exec(q);
      return row ? { indexedAtUs: Number(row.time_us), uri: String(row.uri) } : undefined;
    },
    async run(spec, cursor) {
      const rows = await exec(peerSearch(spec, 'duckdb', cursor));
      return spec.totalCount ? Number(rows[0]?.n ?? 0) : rows.length;
    },
    async exportCsv(rows, path) {
      await duck.run(`COPY (SELECT uri, did, text, make_timestamp(time_us) AS indexed_at FROM posts ORDER BY time_us DESC, uri DESC LIMIT ${rows})
        TO ${sqlString(path)} (FORMAT csv, HEADER)`);
      return rows;
    },
    close: () => duck.close(),
  };
}
