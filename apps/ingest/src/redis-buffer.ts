// Receives raw Jetstream messages, validates them (decode + normalise, so rejections are dead-lettered at once),
// and appends the raw messages of the accepted ones to the Redis stream in batches: one EVALSHA per batch (see append-script.ts) does dedup, XADD, dead letters and the cursor together.
// Batches are sent in order on one connection with a few in flight; each names the sequence number it expects,
// so if one fails, every later one is refused by Redis too and the cursor can never skip a lost batch.
import { decodeEvent, toRows, type JetstreamEvent } from '@bsky-explorer/schema';
import type { Redis } from 'ioredis';
import { APPEND_SCRIPT } from './append-script';
import { dedupKey } from './dedup-key';
import type { ResumePoint } from './jetstream-source';
import type { IngestKeys } from './keys';
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';

export interface RedisBufferOptions {
  redis: Redis;
  keys: IngestKeys;
  dedupWindowSeconds: number;
  batchSize: number;
  batchMaxWaitMs: number;
  /** Backpressure bound on unflushed stream entries. */
  maxEntries: number;
  deadLetterMaxLen: number;
  metrics: IngestMetrics;
  log: Logger;
  /** Pause (true) / resume (false) reading from the socket. */
  onBackpressure: (key: 'buffer' | 'inflight', active: boolean) => void;
  /** A batch could not be appended: the socket must be dropped and resumed from the persisted cursor. */
  onFailure: (err: unknown) => void;
}

/** Dead-lettered messages keep at most this many bytes of the raw input. */
export const DEAD_LETTER_RAW_BYTES = 4096;
const MAX_IN_FLIGHT = 4;

interface Batch {
  keys: string[];
  args: string[];
  /** Raw messages of the 'r' items, in order (joined by '\n' into the entry). */
  messages: Buffer[];
  bytes: number;
  events: number;
  last: JetstreamEvent | undefined;
  url: string;
  received: Map<string, number>;
}

const newBatch = (): Batch => ({
  keys: [],
  args: [],
  messages: [],
  bytes: 0,
  events: 0,
  last: undefined,
  url: '',
  received: new Map(),
});

type AppendFn = (numKeys: number, ...args: (string | Buffer)[]) => Promise<[number, number, number]>;

const NEWLINE = 0x0a;
const SPACE = 0x20;

/**
 * The message on one line: a raw newline can only be whitespace between JSON tokens (inside a string it must
 * be escaped, and the decoder already accepted the message), so it becomes a space without changing the value.
 */
function oneLine(data: Buffer): Buffer {
  if (data.indexOf(NEWLINE) === -1) return data;
  const copy = Buffer.from(data);
  for (let i = copy.indexOf(NEWLINE); i !== -1; i = copy.indexOf(NEWLINE, i + 1)) copy[i] = SPACE;
  return copy;
}

function joinLines(parts: Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes + Math.max(0, parts.length - 1));
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = NEWLINE;
    at += parts[i].copy(out, at);
  }
  return out;
}

export class RedisBuffer {
  /** Events in the stream (unflushed) as of the last append or flush. */
  length = 0;
  lastTimeUs = 0;
  readonly stats = { received: 0, appended: 0, duplicates: 0, invalid: 0 };
  private seq = 0;
  private batch = newBatch();
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  private failed = false;
  private backpressure = false;
  private poll: NodeJS.Timeout | undefined;
  private readonly append: AppendFn;

  constructor(private readonly opts: RedisBufferOptions) {
    opts.redis.defineCommand('ingestAppend', { lua: APPEND_SCRIPT });
    const redis = opts.redis as unknown as { ingestAppend: AppendFn };
    this.append = (...args) => redis.ingestAppend(...args);
  }

  /** Loads the append sequence; call before the first push and after any failure. */
  async sync(): Promise<void> {
    const [seq, len] = await Promise.all([
      this.opts.redis.get(this.opts.keys.appendSeq),
      this.opts.redis.get(this.opts.keys.buffered),
    ]);
    this.seq = Number(seq ?? 0);
    this.setLength(Number(len ?? 0));
    this.failed = false;
  }

  push(data: Buffer, url: string): void {
    if (this.failed) return; // replayed from the persisted cursor after the reconnect
    this.stats.received++;
    const b = this.batch;
    const decoded = decodeEvent(data);
    if (!decoded.ok) {
      this.deadLetter(b, 'x', 'dead:-', decoded.reason, decoded.detail, data);
    } else {
      const ev = decoded.event;
      const label = ev.kind === 'commit' ? `commit|${ev.commit.operation}` : `${ev.kind}|none`;
      b.received.set(label, (b.received.get(label) ?? 0) + 1);
      b.last = ev;
      b.url = url;
      this.lastTimeUs = ev.time_us;
      const result = toRows(ev);
      if (!result.ok) {
        this.deadLetter(b, 'd', dedupKey(ev), result.reason, result.detail, data);
      } else if (result.rows.length > 0) {
        b.keys.push(this.opts.keys.dedupPrefix + dedupKey(ev));
        const line = oneLine(data);
        b.messages.push(line);
        b.bytes += line.length;
        b.args.push('r', '', String(data.length), String(result.rows.length), '');
      }
    }
    b.events++;
    if (b.events >= this.opts.batchSize) this.send();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.send(), this.opts.batchMaxWaitMs);
  }

  /** Sends the pending batch and waits for every batch in flight (errors are reported through onFailure). */
  async drain(): Promise<void> {
    this.send();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** The resume point for the next connection: drains first, so the cursor covers everything received. */
  async resumePoint(): Promise<ResumePoint | undefined> {
    await this.drain();
    if (this.failed) await this.sync();
    const h = await this.opts.redis.hgetall(this.opts.keys.cursor);
    if (!h.time_us) return undefined;
    return { timeUs: Number(h.time_us), url: h.url || undefined, cursor: h.cursor ? Number(h.cursor) : undefined };
  }

  /** Called by the flusher after trimming, so backpressure can lift without waiting for the next append. */
  setLength(length: number): void {
    this.length = length;
    this.opts.metrics.bufferLength.set(length);
    if (!this.backpressure && length > this.opts.maxEntries) {
      this.backpressure = true;
      this.opts.metrics.backpressureActive.set(1);
      this.opts.log.warn({ length, bound: this.opts.maxEntries }, 'buffer full: pausing the Jetstream socket');
      this.opts.onBackpressure('buffer', true);
      this.poll = setInterval(() => {
        this.opts.redis.get(this.opts.keys.buffered).then(
          (n) => {
            this.setLength(Number(n ?? 0));
            // Still full: ask again (the flusher may have flushed only what was old enough).
            if (this.backpressure) this.opts.onBackpressure('buffer', true);
          },
          () => undefined,
        );
      }, 250);
    } else if (this.backpressure && length <= this.opts.maxEntries) {
      this.backpressure = false;
      clearInterval(this.poll);
      this.opts.metrics.backpressureActive.set(0);
      this.opts.log.info({ length }, 'buffer below its bound: resuming the Jetstream socket');
      this.opts.onBackpressure('buffer', false);
    }
  }

  get backpressureActive(): boolean {
    return this.backpressure;
  }

  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.poll);
  }

  private deadLetter(b: Batch, type: 'd' | 'x', key: string, reason: string, detail: string, data: Buffer): void {
    this.stats.invalid++;
    this.opts.metrics.eventsInvalid.inc({ reason });
    this.opts.log.warn({ reason, detail }, 'invalid event dead-lettered');
    const raw = data.subarray(0, DEAD_LETTER_RAW_BYTES).toString('utf8');
    b.keys.push(this.opts.keys.dedupPrefix + key);
    b.args.push(type, reason, detail, raw, new Date().toISOString());
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const b = this.batch;
    if (b.events === 0) return;
    this.batch = newBatch();
    for (const [label, n] of b.received) {
      const [kind, operation] = label.split('|');
      this.opts.metrics.eventsReceived.inc({ kind, operation }, n);
    }
    const { keys } = this.opts;
    const cursorEv = b.last;
    const argv = [
      String(this.seq++),
      String(this.opts.dedupWindowSeconds),
      cursorEv ? String(cursorEv.time_us) : '',
      b.url,
      cursorEv?.cursor !== undefined ? String(cursorEv.cursor) : '',
      String(this.opts.deadLetterMaxLen),
      joinLines(b.messages, b.bytes),
      ...b.args,
    ];
    const p = this.append(
      5 + b.keys.length,
      keys.stream,
      keys.cursor,
      keys.deadLetter,
      keys.appendSeq,
      keys.buffered,
      ...b.keys,
      ...argv,
    ).then(
      ([appended, dupes, length]) => {
        this.stats.appended += appended;
        this.stats.duplicates += dupes;
        if (dupes > 0) this.opts.metrics.duplicatesDropped.inc(dupes);
        if (!this.failed) this.setLength(length);
      },
      (err: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.batch = newBatch();
        this.opts.log.error({ err }, 'append to Redis failed; reconnecting from the persisted cursor');
        this.opts.onFailure(err);
      },
    );
    this.inFlight.add(p);
    if (this.inFlight.size >= MAX_IN_FLIGHT) this.opts.onBackpressure('inflight', true);
    void p.finally(() => {
      this.inFlight.delete(p);
      if (this.inFlight.size < MAX_IN_FLIGHT) this.opts.onBackpressure('inflight', false);
    });
  }
}
