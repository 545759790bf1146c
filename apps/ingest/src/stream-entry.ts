// Step 4: the stream entry, encoded and decoded here only. One entry holds one append batch: the rows of its
// accepted events, one JSON line per event (JSON has no raw newline), and the ordinals of the lines that
// turned out to be replays (the append script decides that, atomically with the append). The rows are what
// the flush writes, so the flush never decodes a Jetstream message again.
//
// Fields: j = JSON lines, s = replay ordinals ('' = none, comma-separated), n = raw message bytes of the kept
// events, c = rows, e = events. (The append script in append-script.ts writes them with XADD; ENTRY_FIELDS
// below is its field list.)
import type { TableRow } from '@bsky-explorer/schema';

export const ENTRY_FIELDS = { rows: 'j', skip: 's', rawBytes: 'n', rowCount: 'c', events: 'e' } as const;

/** One stream entry as read back (XREADGROUP/XRANGE). */
export interface StreamEntry {
  id: string;
  /** JSON lines, one per event, including replays (see skip). */
  lines: string;
  skip: string;
  rawBytes: number;
  rowCount: number;
  events: number;
}

export class StreamEntryError extends Error {
  override name = 'StreamEntryError';
}

/** The line of one accepted event. */
export function encodeRows(rows: readonly TableRow[]): string {
  return JSON.stringify(rows);
}

export function decodeEntry(id: string, fields: readonly string[]): StreamEntry {
  const e: StreamEntry = { id, lines: '', skip: '', rawBytes: 0, rowCount: 0, events: 0 };
  let hasRows = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1];
    switch (fields[i]) {
      case ENTRY_FIELDS.rows:
        e.lines = v;
        hasRows = true;
        break;
      case ENTRY_FIELDS.skip:
        e.skip = v;
        break;
      case ENTRY_FIELDS.rawBytes:
        e.rawBytes = Number(v);
        break;
      case ENTRY_FIELDS.rowCount:
        e.rowCount = Number(v);
        break;
      case ENTRY_FIELDS.events:
        e.events = Number(v);
        break;
    }
  }
  // Fail loudly (nothing acknowledged) rather than flush an entry this code cannot read.
  if (!hasRows) throw new StreamEntryError(`stream entry ${id} has no '${ENTRY_FIELDS.rows}' field (another format?)`);
  return e;
}

/** The entry's payload for the flush worker: its kept lines as one JSON array of per-event row arrays. */
export function entryPayload(e: StreamEntry): string {
  if (e.lines === '') return '[]';
  if (e.skip === '') return `[${e.lines.replaceAll('\n', ',')}]`;
  const skip = new Set(e.skip.split(',').map(Number));
  return `[${e.lines
    .split('\n')
    .filter((_, i) => !skip.has(i))
    .join(',')}]`;
}

/** Rows of payloads built by entryPayload, in order (the flush worker runs this). */
export function rowsOfPayloads(payloads: readonly string[]): TableRow[] {
  const rows: TableRow[] = [];
  for (const p of payloads)
    for (const eventRows of JSON.parse(p) as TableRow[][]) for (const r of eventRows) rows.push(r);
  return rows;
}

/** Entries of a one-stream XREADGROUP reply: RESP2 gives [[stream, entries]], RESP3 (a map) [stream, entries]. */
export function streamEntries(reply: unknown): [string, string[] | null][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const entries: unknown = Array.isArray(reply[0]) ? reply[0][1] : reply[1];
  return Array.isArray(entries) ? (entries as [string, string[] | null][]) : [];
}
