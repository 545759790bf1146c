// Step 3: the only place a Jetstream message is decoded and validated (size, UTF-8 on the raw bytes, depth,
// JSON, fields, post record): either its rows and its identity, or a reason to dead-letter it.
import { createHash } from 'node:crypto';
import { decodeEvent, toRows, type JetstreamEvent, type RejectReason, type TableRow } from '@bsky-explorer/schema';
import { dedupKey } from './dedup-key';

export type DecodedMessage =
  | { ok: true; event: JetstreamEvent; rows: TableRow[]; key: string }
  | { ok: false; event?: JetstreamEvent; reason: RejectReason; detail: string; key: string };

/**
 * `key` identifies the message across replays: the event's own identity when it decodes (the same on every
 * host), else a digest of its bytes (a replay from the same host sends the same bytes). Dead letters and
 * their count are written once per key.
 */
export function decodeMessage(data: Buffer, maxBytes: number): DecodedMessage {
  // decodeEvent checks UTF-8 on these bytes (node:buffer isUtf8) before decoding them: never a U+FFFD.
  const decoded = decodeEvent(data, { maxBytes });
  if (!decoded.ok) return { ok: false, reason: decoded.reason, detail: decoded.detail, key: bytesKey(data) };
  const event = decoded.event;
  const key = dedupKey(event);
  const rows = toRows(event);
  if (!rows.ok) return { ok: false, event, reason: rows.reason, detail: rows.detail, key };
  return { ok: true, event, rows: rows.rows, key };
}

/** Key of an undecodable message (or of the head of an oversized one) and its length. */
export function bytesKey(data: Buffer, length = data.length): string {
  return `x:${createHash('sha1').update(data).digest('base64url')}:${length}`;
}
