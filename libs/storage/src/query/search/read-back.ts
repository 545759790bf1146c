import { listValue } from '@duckdb/node-api';
import type { Session } from '../../duckdb/pool';
import type { PostCursor } from '../cursor';
import { keyTimesPredicate } from '../indexed-reads';
import { toPostRecord, type PostRecord } from '../post-record';
import { POST_SELECT, SqlParams, filterConditions, type FileSets } from '../post-sql';
import { filesOverlapping } from '../time-windows';
import { filesHolding } from '../file-spans';
import { keyOf, rowKey } from './keys';

/**
 * The rows of `keys` (the columns of `select`) (visible versions, already decided by a strategy), in the keys' order, in one query:
 * only the row groups whose indexed_at range holds a key are read (keyTimesPredicate).
 */
export async function rowsByKeys(
  session: Session,
  files: FileSets,
  keys: readonly PostCursor[],
  author?: string,
  select = POST_SELECT,
): Promise<PostRecord[]> {
  if (keys.length === 0) return [];
  const times = keys.map((k) => k.indexedAtUs);
  const fromUs = Math.min(...times);
  const toUs = Math.max(...times) + 1;
  const sql = new SqlParams();
  // The author (when searched by) is a cheap first filter: DuckDB reads the wide columns only where it passes.
  const where = filterConditions(sql, { fromUs, toUs, author });
  where.push(keyTimesPredicate(sql, keys));
  where.push(`p.uri IN (SELECT unnest(${sql.bind(listValue(keys.map((k) => k.uri)))}::VARCHAR[]))`);
  const posts = await filesHolding(session, filesOverlapping(files.posts, fromUs, toUs), times);
  const rows = await session.all(
    `SELECT ${select} FROM ${sql.files(posts)} p WHERE ${where.join(' AND ')}`,
    sql.values,
  );
  const byKey = new Map<string, PostRecord>();
  for (const r of rows) {
    const post = toPostRecord(r);
    byKey.set(rowKey(post), post);
  }
  return keys.map((k) => {
    const post = byKey.get(keyOf(k));
    // The key came from this very file set a moment ago, on this connection.
    if (!post) throw new Error(`post ${k.uri} vanished between key and row fetch`);
    return post;
  });
}
