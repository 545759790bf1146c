/** Redis keys of one ingest instance (all under one prefix). */
export interface IngestKeys {
  /** The buffer: one entry per appended batch (fields: stream-entry.ts). */
  stream: string;
  /** Events in the stream not yet flushed (INCRBY on append, DECRBY on trim): the backpressure measure. */
  buffered: string;
  /** Hash { time_us, url, cursor }: where to resume; written in the same script as the entries it covers. */
  cursor: string;
  deadLetter: string;
  /** Append fence: every batch names the sequence it expects, so a lost batch stops all later ones. */
  appendSeq: string;
  /** dedup:<period> → set of the event ids first seen in that period of the dedup window (see append-script.ts). */
  dedupPrefix: string;
  /** Hash { first, last, count } of the flush in progress (mirrors the durable file in DATA_DIR). */
  flushIntent: string;
  flushedThrough: string;
  group: string;
  consumer: string;
}

export function ingestKeys(prefix: string): IngestKeys {
  return {
    stream: `${prefix}stream`,
    buffered: `${prefix}buffered`,
    cursor: `${prefix}cursor`,
    deadLetter: `${prefix}dead-letter`,
    appendSeq: `${prefix}append-seq`,
    dedupPrefix: `${prefix}dedup:`,
    flushIntent: `${prefix}flush-intent`,
    flushedThrough: `${prefix}flushed-through`,
    group: 'flusher',
    consumer: 'flusher-1',
  };
}
