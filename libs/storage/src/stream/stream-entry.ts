// Step 4 of ingest: the stream entry, encoded and decoded here only (ingest writes and flushes it, the graph's tail
// reads it). One entry holds one append batch: the rows of its accepted events, one JSON line per event (JSON has
// no raw newline), and the ordinals of the lines that turned out to be replays (the append script decides that,
// atomically with the append). The rows are what the flush writes, so the flush never decodes a Jetstream message
// again.
//
// A line is an array of rows, each row positional: `[table code, ...values in the column order of
// @bsky-explorer/schema TABLES]`. Against JSON objects with their keys (the previous format, field 'j') this is
// ~30 % fewer bytes through Redis and 2-3× cheaper to write on the receiving thread (measured, apps/ingest README).
//
// Fields: p = positional JSON lines, s = replay ordinals ('' = none, comma-separated), n = raw message bytes of
// the kept events, c = rows, e = events. (The append script in apps/ingest append-script.ts writes them with
// XADD; ENTRY_FIELDS below is its field list.)
import { TABLES, type TableName, type TableRow } from '@bsky-explorer/schema';

export const ENTRY_FIELDS = { rows: 'p', skip: 's', rawBytes: 'n', rowCount: 'c', events: 'e' } as const;

/** One stream entry as read back (XREADGROUP/XRANGE, as Buffers: the lines stay off the JS heap). */
export interface StreamEntry {
  id: string;
  /** JSON lines, one per event, including replays (see skip). */
  lines: Buffer;
  skip: string;
  rawBytes: number;
  rowCount: number;
  events: number;
}

/**
 * What the flush worker gets of a group of entries: their lines in one buffer (its own memory, so it can be
 * transferred to the worker instead of copied), and per entry its byte length and the lines to leave out.
 */
export interface FlushPayload {
  bytes: Uint8Array;
  parts: { length: number; skip: string }[];
}

export class StreamEntryError extends Error {
  override name = 'StreamEntryError';
}

const NEWLINE = 0x0a;

/** Table codes of the positional rows (index = code): never reorder, only append. */
const TABLE_CODES: readonly TableName[] = ['posts', 'tombstones', 'accounts', 'identities'];
const CODE_OF = new Map(TABLE_CODES.map((t, i) => [t, i]));

type Encode = (row: TableRow['row']) => unknown[];
type Decode = (values: unknown[]) => TableRow['row'];

/**
 * Per table, a row → positional array and back, generated with the column names in the code: one shared
 * `row[name]` site would see every column name and go megamorphic. Names come from the column contract.
 */
const CODECS = TABLE_CODES.map((table, code) => {
  const names = TABLES[table].map((c) => c.name as string);
  for (const n of names) if (!/^[a-z_][a-z0-9_]*$/.test(n)) throw new Error(`column name ${JSON.stringify(n)}`);
  return {
    encode: new Function('r', `return [${code}, ${names.map((n) => `r.${n}`).join(', ')}];`) as Encode,
    decode: new Function('a', `return { ${names.map((n, i) => `${n}: a[${i + 1}]`).join(', ')} };`) as Decode,
    length: names.length + 1,
  };
});

/**
 * The JSON lines of one append batch, written straight into one Buffer (no joined string on the JS heap, and
 * ioredis sends the bytes as they are).
 */
export class LinesWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = 0;
  count = 0;

  /** Appends the line of one accepted event. */
  add(rows: readonly TableRow[]): void {
    const line = JSON.stringify(rows.map((r) => CODECS[CODE_OF.get(r.table) as number].encode(r.row)));
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    const need = this.at + 1 + line.length * 3;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    if (this.count++ > 0) this.buf[this.at++] = NEWLINE;
    this.at += this.buf.write(line, this.at);
  }

  /** The bytes so far (a view: valid until the next add). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

export function decodeEntry(id: string, fields: readonly Buffer[]): StreamEntry {
  const e: StreamEntry = { id, lines: EMPTY, skip: '', rawBytes: 0, rowCount: 0, events: 0 };
  let hasRows = false;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1];
    switch (fields[i].toString()) {
      case ENTRY_FIELDS.rows:
        e.lines = v;
        hasRows = true;
        break;
      case ENTRY_FIELDS.skip:
        e.skip = v.toString();
        break;
      case ENTRY_FIELDS.rawBytes:
        e.rawBytes = Number(v.toString());
        break;
      case ENTRY_FIELDS.rowCount:
        e.rowCount = Number(v.toString());
        break;
      case ENTRY_FIELDS.events:
        e.events = Number(v.toString());
        break;
    }
  }
  // Fail loudly (nothing acknowledged) rather than flush an entry this code cannot read.
  if (!hasRows) throw new StreamEntryError(`stream entry ${id} has no '${ENTRY_FIELDS.rows}' field (another format?)`);
  return e;
}

const EMPTY = Buffer.alloc(0);

/** The payload of consecutive entries (one file group of a flush). */
export function flushPayload(entries: readonly StreamEntry[]): FlushPayload {
  let total = 0;
  for (const e of entries) total += e.lines.length;
  // Buffer.alloc (not the shared pool): the worker client may transfer this memory.
  const bytes = Buffer.alloc(total);
  let at = 0;
  for (const e of entries) at += e.lines.copy(bytes, at);
  return { bytes, parts: entries.map((e) => ({ length: e.lines.length, skip: e.skip })) };
}

/**
 * Rows of a payload, in order, replays left out (the flush worker runs this). Each line is decoded and parsed on
 * its own: one string per event stays one-byte when the event is ASCII, where a whole payload joined into one
 * string turns two-byte at its first emoji and then parsed ~4× slower (measured: 16 → 4 µs per row).
 */
export function rowsOfPayload(p: FlushPayload): TableRow[] {
  const rows: TableRow[] = [];
  const all = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  let at = 0;
  for (const part of p.parts) {
    const end = at + part.length;
    const skip = part.skip === '' ? undefined : new Set(part.skip.split(',').map(Number));
    for (let line = 0; at < end; line++) {
      let nl = all.indexOf(NEWLINE, at);
      if (nl < 0 || nl > end) nl = end;
      if (!skip?.has(line))
        for (const v of JSON.parse(all.toString('utf8', at, nl)) as unknown[][]) rows.push(rowOf(v));
      at = nl + 1;
    }
    at = end;
  }
  return rows;
}

function rowOf(values: unknown[]): TableRow {
  const codec = CODECS[values[0] as number];
  // A row this code cannot place (another column list) fails the flush loudly instead of shifting columns.
  if (codec === undefined || values.length !== codec.length)
    throw new StreamEntryError(
      `stream row of ${values.length} values with table code ${String(values[0])} (another format?)`,
    );
  return { table: TABLE_CODES[values[0] as number], row: codec.decode(values) } as TableRow;
}

/** Entries of a one-stream XREADGROUP reply: RESP2 gives [[stream, entries]], RESP3 (a map) [stream, entries]. */
export function streamEntries(reply: unknown): [Buffer, Buffer[] | null][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const entries: unknown = Array.isArray(reply[0]) ? reply[0][1] : reply[1];
  return Array.isArray(entries) ? (entries as [Buffer, Buffer[] | null][]) : [];
}
