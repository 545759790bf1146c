// What a flush writes, as the flusher reads it from Redis: per stream entry either the raw Jetstream messages
// (joined by '\n', replays already removed) or, for entries appended by older versions, their rows as JSON.
// Decoding happens here, at flush time (in the flush worker), so the receive path never re-serialises rows.
import { toRows, validateEvent, type DecodeResult, type TableRow } from '@bsky-explorer/schema';
import { writeFlushBatch, type WrittenFile } from '@bsky-explorer/storage';

export type FlushPayload = { messages: string } | { rows: string };

export interface RawFlushBatch {
  /** First and last stream id of the entries: they name the files. */
  firstId: string;
  lastId: string;
  payloads: FlushPayload[];
}

/** Writes one flush's files (the protocol around it is the flusher's). */
export type WriteFlushBatch = (dataDir: string, batch: RawFlushBatch) => Promise<WrittenFile[]>;

export class FlushDecodeError extends Error {
  override name = 'FlushDecodeError';
}

/**
 * The rows of a batch, in stream order. Every message was accepted on receipt by the same decoder, so a
 * rejection here means the entry or the code changed underneath: the flush fails loudly (nothing is acked)
 * rather than dropping an event.
 */
export function rowsOfPayloads(payloads: readonly FlushPayload[]): TableRow[] {
  const rows: TableRow[] = [];
  for (const p of payloads) {
    if ('rows' in p) {
      for (const eventRows of JSON.parse(p.rows) as TableRow[][]) for (const r of eventRows) rows.push(r);
      continue;
    }
    if (p.messages === '') continue;
    for (const line of p.messages.split('\n')) {
      const decoded = parseAccepted(line);
      const result = decoded.ok ? toRows(decoded.event) : decoded;
      if (!result.ok)
        throw new FlushDecodeError(`a buffered event no longer decodes (${result.reason}: ${result.detail})`);
      for (const r of result.rows) rows.push(r);
    }
  }
  return rows;
}

/**
 * JSON.parse + the decoder's validation, without its size, UTF-8 and depth guards: those protected the receive
 * path from hostile input and this message passed them there (JSON.parse itself does not recurse).
 */
function parseAccepted(line: string): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: 'invalid_json', detail: (err as Error).message.slice(0, 200) };
  }
  return validateEvent(value);
}

/** Decodes and writes in the calling thread (the flush worker runs this; tests may wrap it). */
export function writeRawFlushBatch(dataDir: string, batch: RawFlushBatch): Promise<WrittenFile[]> {
  return writeFlushBatch(dataDir, {
    firstId: batch.firstId,
    lastId: batch.lastId,
    rows: rowsOfPayloads(batch.payloads),
  });
}
