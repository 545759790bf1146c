import { listValue } from '@duckdb/node-api';
import type { Session } from '../duckdb/pool';
import { SqlParams } from './post-sql';

// The DID ↔ handle history (the identities table, one row per identity event) read both ways. Handles are stored
// lower-cased (libs/schema normalize.ts), so a lookup in normal form compares exactly.

/**
 * Each handle (normal form) → the DID of its newest identity row: after a handle moved from one account to
 * another, the newer holder. Handles never seen are absent. One query, every value bound.
 */
export async function didsOfHandles(
  session: Session,
  files: string[],
  handles: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (files.length === 0 || handles.length === 0) return out;
  const sql = new SqlParams();
  const rows = await session.all(
    `SELECT handle, arg_max(did, time_us) AS did FROM ${sql.files(files)}
     WHERE handle IN (SELECT unnest(${sql.bind(valueList(handles))}::VARCHAR[])) GROUP BY handle`,
    sql.values,
  );
  for (const r of rows) out.set(String(r.handle), String(r.did));
  return out;
}

/**
 * Each DID → its newest handle (identity events without a valid handle are skipped: they do not say the handle
 * went away), or null when none was ever seen. One query, every value bound.
 */
export async function handlesOfDids(
  session: Session,
  files: string[],
  dids: readonly string[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(dids.map((d) => [d, null]));
  if (files.length === 0 || dids.length === 0) return out;
  const sql = new SqlParams();
  const rows = await session.all(
    `SELECT did, arg_max(handle, time_us) AS handle FROM ${sql.files(files)}
     WHERE did IN (SELECT unnest(${sql.bind(valueList(dids))}::VARCHAR[])) AND handle IS NOT NULL GROUP BY did`,
    sql.values,
  );
  for (const r of rows) out.set(String(r.did), String(r.handle));
  return out;
}

/**
 * The SQL of (did, handle): the newest handle of each DID that `didsSql` selects, for a join (the CSV export);
 * `files` must not be empty.
 */
export function latestHandlesSql(sql: SqlParams, files: string[], didsSql: string): string {
  return `SELECT did, arg_max(handle, time_us) AS handle FROM ${sql.files(files)}
    WHERE handle IS NOT NULL AND did IN (${didsSql}) GROUP BY did`;
}

const valueList = (values: readonly string[]) => listValue([...new Set(values)]);
