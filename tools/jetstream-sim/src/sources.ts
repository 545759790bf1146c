// Where a connection's events come from. A source is an indexed sequence: position → message, with the first
// position at or after a cursor. Connections keep their own position, so any number can read one source.

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import type { FilterFacts } from './subscribe-params';
import { SyntheticFirehose, type SyntheticOptions } from './synthetic/firehose';

export interface SourceItem extends FilterFacts {
  /** The exact text sent on the socket: bytes when a capture or a test gave bytes (they may be invalid UTF-8). */
  readonly raw: string | Buffer;
}

export interface EventSource {
  /** Number of positions; Infinity for an endless synthetic stream. */
  readonly length: number;
  /** Filter facts of a position (cheap: synthetic events are not built for it). */
  facts(position: number): FilterFacts;
  /** The message at a position, sent as a text frame exactly as it is (a Buffer is not re-encoded). */
  raw(position: number): string | Buffer;
  /** The first position whose time_us ≥ cursor (inclusive replay). */
  positionFor(cursorUs: number): number;
}

export type SourceSpec =
  | ({ kind: 'synthetic'; count?: number; rate?: number } & SyntheticOptions)
  | { kind: 'replay'; file: string; rate?: number }
  | { kind: 'events'; events: ReadonlyArray<string | Buffer | object>; rate?: number };

export class SyntheticSource implements EventSource {
  readonly length: number;

  constructor(
    readonly firehose: SyntheticFirehose,
    count: number | undefined,
  ) {
    this.length = count === undefined || count === 0 ? Infinity : count;
  }

  facts(position: number): FilterFacts {
    return this.firehose.meta(position);
  }

  raw(position: number): string {
    return this.firehose.event(position).json;
  }

  positionFor(cursorUs: number): number {
    return Math.min(this.firehose.indexAtOrAfter(cursorUs), this.length);
  }
}

interface StoredItem extends SourceItem {
  /** time_us when the message carries one; null for garbage. */
  readonly timeUs: number | null;
}

/** Facts of a raw message; every field null when it is not a JSON object. */
function storedItem(raw: string | Buffer): StoredItem {
  let v: unknown;
  try {
    v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { raw, timeUs: null, did: null, kind: null, collection: null };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { raw, timeUs: null, did: null, kind: null, collection: null };
  const o = v as Record<string, unknown>;
  const commit = o.commit as Record<string, unknown> | undefined;
  return {
    raw,
    timeUs: typeof o.time_us === 'number' ? o.time_us : null,
    did: typeof o.did === 'string' ? o.did : null,
    kind: typeof o.kind === 'string' ? o.kind : null,
    collection:
      typeof commit === 'object' && commit !== null && typeof commit.collection === 'string' ? commit.collection : null,
  };
}

/** An in-memory list served in the given order (replay files are sorted first). */
export class ListSource implements EventSource {
  constructor(private readonly items: readonly StoredItem[]) {}

  get length(): number {
    return this.items.length;
  }

  facts(position: number): FilterFacts {
    return this.items[position];
  }

  raw(position: number): string | Buffer {
    return this.items[position].raw;
  }

  /** First item with time_us ≥ cursor; items without time_us never match a cursor by themselves. */
  positionFor(cursorUs: number): number {
    const i = this.items.findIndex((it) => it.timeUs !== null && it.timeUs >= cursorUs);
    return i < 0 ? this.items.length : i;
  }

  /** Strings and Buffers are sent as they are (even if not JSON or not UTF-8); objects are serialised. Order kept. */
  static fromEvents(events: ReadonlyArray<string | Buffer | object>): ListSource {
    return new ListSource(
      events.map((e) => storedItem(typeof e === 'string' || Buffer.isBuffer(e) ? e : JSON.stringify(e))),
    );
  }

  /**
   * A JSONL capture, stably sorted by time_us (captures from several hosts interleave slightly out of order).
   * Lines without a time_us keep their place after the line before them. Blank lines are skipped.
   */
  static async fromFile(file: string): Promise<ListSource> {
    // Read as bytes: decoding the file as UTF-8 would turn a capture's invalid bytes into U+FFFD, and the
    // subscriber would never see the message Jetstream actually sent.
    const bytes = await readFile(file);
    const items: Array<{ item: StoredItem; key: number; seq: number }> = [];
    let key = Number.MIN_SAFE_INTEGER;
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      let line = bytes.subarray(start, end);
      start = end + 1;
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
      // Valid UTF-8 becomes a string (decoding it is exact); anything else stays bytes.
      const raw: string | Buffer = isUtf8(line) ? line.toString('utf8') : Buffer.from(line);
      if (typeof raw === 'string' && raw.trim() === '') continue;
      const item = storedItem(raw);
      if (item.timeUs !== null) key = item.timeUs;
      items.push({ item, key, seq: items.length });
    }
    items.sort((a, b) => a.key - b.key || a.seq - b.seq);
    return new ListSource(items.map((x) => x.item));
  }
}

export async function openSource(spec: SourceSpec): Promise<EventSource> {
  switch (spec.kind) {
    case 'synthetic':
      return new SyntheticSource(new SyntheticFirehose(spec), spec.count);
    case 'replay':
      return ListSource.fromFile(spec.file);
    case 'events':
      return ListSource.fromEvents(spec.events);
  }
}
