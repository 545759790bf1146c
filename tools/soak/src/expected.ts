// What the simulator sent, from its seed: every position of the synthetic firehose below `count` that passes the
// ingest's filter (wantedCollections=app.bsky.feed.post: post commits, identity, account), as the rows the data
// contract (libs/schema) makes of it, or as a dead letter when a fault switch broke it. Written as TSV files that
// the accounting reads with DuckDB.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { decodeEvent, toRows } from '@bsky-explorer/schema';
import {
  isMalformedPosition,
  isOversizedPosition,
  POST_COLLECTION,
  SyntheticFirehose,
  type SyntheticOptions,
} from '@bsky-explorer/jetstream-sim';

export interface FaultSwitches {
  /** The simulator's malformed.every (positions). */
  malformedEvery: number;
  /** The simulator's oversized.every (positions). */
  oversizedEvery: number;
}

export interface ExpectedSummary {
  /** Source positions generated (sent or filtered out). */
  positions: number;
  /** Positions the ingest subscribed to: what the simulator sent at least once. */
  sent: number;
  /** Of those, broken on purpose: must be dead-lettered, never stored. */
  malformed: number;
  oversized: number;
  /** Expected rows per table. */
  rows: Record<'posts' | 'tombstones' | 'accounts' | 'identities', number>;
  /** time_us of the last position sent that advances the ingest's cursor (a well-formed one). */
  lastTimeUs: number;
  files: Record<'posts' | 'tombstones' | 'accounts' | 'identities', string>;
}

const TABLES = ['posts', 'tombstones', 'accounts', 'identities'] as const;

/** Whether the ingest subscribes to this event (the simulator's filter for wantedCollections=app.bsky.feed.post). */
export function subscribed(meta: { kind: string; collection: string | null }): boolean {
  return meta.kind !== 'commit' || meta.collection === POST_COLLECTION;
}

/** One TSV line per row, the columns the accounting compares. */
export function rowLine(table: (typeof TABLES)[number], row: Record<string, unknown>): string {
  switch (table) {
    case 'posts':
      return `${row.uri}\t${row.cid}\t${row.time_us}\n`;
    case 'tombstones':
      return `${row.uri}\t${row.kind}\t${row.time_us}\n`;
    case 'accounts':
      return `${row.did}\t${row.time_us}\n`;
    case 'identities':
      return `${row.did}\t${row.handle ?? ''}\t${row.time_us}\n`;
  }
}

export async function writeExpected(
  dir: string,
  synthetic: SyntheticOptions,
  count: number,
  faults: FaultSwitches,
): Promise<ExpectedSummary> {
  const firehose = new SyntheticFirehose(synthetic);
  const files = Object.fromEntries(TABLES.map((t) => [t, join(dir, `expected-${t}.tsv`)])) as ExpectedSummary['files'];
  const out = Object.fromEntries(TABLES.map((t) => [t, createWriteStream(files[t])])) as Record<string, WriteStream>;
  const summary: ExpectedSummary = {
    positions: count,
    sent: 0,
    malformed: 0,
    oversized: 0,
    rows: { posts: 0, tombstones: 0, accounts: 0, identities: 0 },
    lastTimeUs: 0,
    files,
  };
  for (let i = 0; i < count; i++) {
    const meta = firehose.meta(i);
    if (!subscribed(meta)) continue;
    summary.sent++;
    // Oversized wins: the padded copy of a broken message is too large first.
    if (isOversizedPosition(i, faults.oversizedEvery)) {
      summary.oversized++;
      continue;
    }
    if (isMalformedPosition(i, faults.malformedEvery)) {
      summary.malformed++;
      continue;
    }
    const e = firehose.event(i);
    summary.lastTimeUs = e.timeUs;
    const decoded = decodeEvent(e.json);
    if (!decoded.ok) throw new Error(`synthetic event ${i} does not decode: ${decoded.reason}`);
    const rows = toRows(decoded.event);
    if (!rows.ok) throw new Error(`synthetic event ${i} has no rows: ${rows.reason}`);
    for (const { table, row } of rows.rows) {
      summary.rows[table]++;
      const w = out[table];
      if (!w.write(rowLine(table, row as unknown as Record<string, unknown>))) await once(w, 'drain');
    }
  }
  await Promise.all(
    Object.values(out).map(
      (w) => new Promise<void>((done, fail) => w.end((err?: Error | null) => (err ? fail(err) : done()))),
    ),
  );
  return summary;
}
