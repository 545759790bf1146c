import type { AccountRow, IdentityRow, PostRow, TableRow, TombstoneRow } from '@bsky-explorer/schema';
import { writeFlushBatch } from '../parquet/write-flush-batch';
import { postCursor, type PostStore, type SearchArgs } from './post-store';

// Test helpers (not part of the public API): rows written through the real flush writer into the real layout.

export { POST_ROW_T0 as T0, postRow as post } from '@bsky-explorer/testing';
export const HOUR = 3_600_000_000;
export const DAY = 24 * HOUR;

/** A later version of `p` (an update commit) with new text, indexed a day later. */
export function edited(p: PostRow, text: string): PostRow {
  return {
    ...p,
    cid: `${p.cid}-new`,
    text,
    indexed_at: p.indexed_at + DAY,
    time_us: p.time_us + DAY,
    operation: 'update',
  };
}

export function tombstone(p: PostRow, kind: TombstoneRow['kind'], timeUs: number): TombstoneRow {
  return { uri: p.uri, did: p.did, rkey: p.rkey, rev: `${p.rev}-t`, kind, indexed_at: timeUs, time_us: timeUs };
}

export function account(did: string, active: boolean, timeUs: number): AccountRow {
  return { did, active, status: active ? null : 'deactivated', indexed_at: timeUs, time_us: timeUs };
}

export function identity(did: string, handle: string | null, timeUs: number): IdentityRow {
  return { did, handle, indexed_at: timeUs, time_us: timeUs };
}

let batch = 0;

/** Writes one flush batch (a file per table and day) through writeFlushBatch; returns the files written. */
export async function flush(
  dataDir: string,
  rows: { posts?: PostRow[]; tombstones?: TombstoneRow[]; accounts?: AccountRow[]; identities?: IdentityRow[] },
): Promise<string[]> {
  const all: TableRow[] = [
    ...(rows.posts ?? []).map((row) => ({ table: 'posts' as const, row })),
    ...(rows.tombstones ?? []).map((row) => ({ table: 'tombstones' as const, row })),
    ...(rows.accounts ?? []).map((row) => ({ table: 'accounts' as const, row })),
    ...(rows.identities ?? []).map((row) => ({ table: 'identities' as const, row })),
  ];
  const id = ++batch;
  const written = await writeFlushBatch(dataDir, { firstId: `${id}-0`, lastId: `${id}-1`, rows: all });
  return written.map((w) => w.path);
}

/** The uris a client gets by paging through `args` `size` at a time, following the cursors. */
export async function pagedUris(store: PostStore, args: Omit<SearchArgs, 'first'>, size: number): Promise<string[]> {
  const uris: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.search({ ...args, first: size, after });
    uris.push(...page.rows.map((r) => r.uri));
    if (!page.hasNextPage) return uris;
    after = postCursor(page.rows[page.rows.length - 1], args.sort);
  }
}
