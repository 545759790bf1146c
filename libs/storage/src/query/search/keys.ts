import type { PostCursor } from '../cursor';
import type { PostRecord } from '../post-record';
import type { PostSort } from '../post-sql';

/** The identity of one post version in page order: "indexed_at uri". */
export const keyOf = (k: PostCursor): string => `${k.indexedAtUs} ${k.uri}`;
export const rowKey = (r: Pick<PostRecord, 'indexed_at' | 'uri'>): string => `${r.indexed_at} ${r.uri}`;
export const cursorOf = (r: Pick<PostRecord, 'indexed_at' | 'uri'>): PostCursor => ({
  indexedAtUs: r.indexed_at,
  uri: r.uri,
});

/** Page order: newest indexed_at first, equal indexed_at by uri descending (OLDEST: the reverse). */
export function pageOrder(x: PostCursor, y: PostCursor, sort: PostSort = 'LATEST'): number {
  const latest = y.indexedAtUs - x.indexedAtUs || (x.uri < y.uri ? 1 : x.uri > y.uri ? -1 : 0);
  return sort === 'OLDEST' ? -latest : latest;
}

/** Two key lists in page order merged into one, without exact duplicates. */
export function mergeKeys(a: readonly PostCursor[], b: readonly PostCursor[], sort: PostSort = 'LATEST'): PostCursor[] {
  const all = [...a, ...b].sort((x, y) => pageOrder(x, y, sort));
  return all.filter((k, i) => i === 0 || k.indexedAtUs !== all[i - 1].indexedAtUs || k.uri !== all[i - 1].uri);
}
