// Step 2: the ingest loop and the one owner of backpressure. It pulls message batches from the source, decodes
// each message once (decode-message.ts), and appends them to Redis in batches (append-script.ts): accepted
// events as their rows (stream-entry.ts), rejected ones as dead letters, with the cursor, atomically.
// Before each pull it waits for room: fewer than MAX_IN_FLIGHT appends in flight and the stream under its bound
// (asking the flusher to flush meanwhile). While it waits, the source's queue fills and the socket is paused.
// Batches are sent in order on one connection; each names the sequence number it expects, so if one fails,
// every later one is refused by Redis too and the cursor can never skip a lost batch.
import type { JetstreamEvent } from '@bsky-explorer/schema';
import type { Redis } from 'ioredis';
import { APPEND_SCRIPT } from './append-script';
import { sleep } from './backoff';
import { bytesKey, decodeMessage } from './decode-message';
import { IdList } from './id-list';
import type { JetstreamSource, OversizedMessage, ResumePoint } from './jetstream-source';
import type { IngestKeys } from './keys';
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';
import { LinesWriter } from './stream-entry';

/** What the pipeline needs of the flusher: a flush now, when the stream is over its bound. */
export interface FlushTrigger {
  requestFlush(): void;
}

export interface PipelineOptions {
  redis: Redis;
  keys: IngestKeys;
  dedupWindowSeconds: number;
  batchSize: number;
  batchMaxWaitMs: number;
  /** Backpressure bound on unflushed events in the stream. */
  maxEntries: number;
  /** Largest message accepted (bytes). */
  maxMessageBytes: number;
  deadLetterMaxLen: number;
  flusher: FlushTrigger;
  metrics: IngestMetrics;
  log: Logger;
}

/** Dead-lettered messages keep at most this many bytes of the raw input (as received, bytes). */
export const DEAD_LETTER_RAW_BYTES = 4096;
const MAX_IN_FLIGHT = 4;
/**
 * While over the bound, how often to look at the buffered count again. A flush frees room all at once (its trim):
 * the socket stays paused until this look, so it must be short against a flush (~0.2-1 s); a GET is cheap.
 */
const BACKPRESSURE_POLL_MS = 25;

interface Batch {
  /** The id of each item (accepted event or dead letter), in order. */
  ids: IdList;
  /** 'r' / 'd' per item, in id order. */
  kinds: string[];
  /** Raw bytes and rows of each accepted item, flat (raw, rows, raw, rows, …), and their sums. */
  counts: number[];
  rawBytes: number;
  rows: number;
  /** reason, detail, raw, at per dead letter. */
  dead: (string | Buffer)[];
  lines: LinesWriter;
  events: number;
  lastTimeUs: number;
  lastCursor: number | undefined;
  url: string;
  /** Events per RECEIVED label set (index), counted into the metric once per batch. */
  received: number[];
}

/** The label sets of ingest_events_received_total. */
const RECEIVED = [
  { kind: 'commit', operation: 'create' },
  { kind: 'commit', operation: 'update' },
  { kind: 'commit', operation: 'delete' },
  { kind: 'identity', operation: 'none' },
  { kind: 'account', operation: 'none' },
] as const;

const receivedIndex = (ev: JetstreamEvent): number =>
  ev.kind === 'commit'
    ? ev.commit.operation === 'create'
      ? 0
      : ev.commit.operation === 'update'
        ? 1
        : 2
    : ev.kind === 'identity'
      ? 3
      : 4;

const newBatch = (): Batch => ({
  ids: new IdList(),
  kinds: [],
  counts: [],
  rawBytes: 0,
  rows: 0,
  dead: [],
  lines: new LinesWriter(),
  events: 0,
  lastTimeUs: 0,
  lastCursor: undefined,
  url: '',
  received: RECEIVED.map(() => 0),
});

type AppendReply = [number, number, number, string, ...string[]];
type AppendFn = (numKeys: number, ...args: (string | Buffer)[]) => Promise<AppendReply>;

export class Pipeline {
  /** Unflushed events in the stream as of the last append or length poll. */
  length = 0;
  /** time_us of the last event decoded (the lag gauge, tests). */
  lastTimeUs = 0;
  readonly stats = { received: 0, appended: 0, duplicates: 0, invalid: 0 };
  private seq = 0;
  private batch = newBatch();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failed = false;
  private source: JetstreamSource | undefined;
  private backpressure = false;
  private stopping = false;
  private readonly append: AppendFn;

  constructor(private readonly opts: PipelineOptions) {
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

  /** Pulls from the source until it ends (source.stop()), then sends what is left. */
  async run(source: JetstreamSource): Promise<void> {
    this.source = source;
    for await (const batch of source) {
      for (const m of batch.messages) {
        this.push(m, batch.url);
        // A pull can bring thousands of messages: hold back between append batches too, not only between pulls.
        if (this.inFlight.size >= MAX_IN_FLIGHT) await this.room();
      }
      if (batch.oversized) this.pushOversized(batch.oversized);
      await this.room();
    }
    await this.drain();
  }

  /** Stop holding back (a shutdown must not wait for a full buffer to drain); run() ends with the source. */
  stop(): void {
    this.stopping = true;
  }

  /** One message straight in (the loop does this for every message; tests call it without a socket). */
  push(data: Buffer, url: string): void {
    if (this.failed) return; // replayed from the persisted cursor after the reconnect
    this.stats.received++;
    const b = this.batch;
    const m = decodeMessage(data, this.opts.maxMessageBytes);
    if (m.event) {
      const ev = m.event;
      b.received[receivedIndex(ev)]++;
      b.lastTimeUs = ev.time_us;
      b.lastCursor = ev.cursor;
      b.url = url;
      this.lastTimeUs = ev.time_us;
    }
    if (!m.ok) {
      this.deadLetter(b, m.key, m.reason, m.detail, data.subarray(0, DEAD_LETTER_RAW_BYTES));
    } else if (m.rows.length > 0) {
      b.ids.add(m.key);
      b.lines.add(m.rows);
      b.kinds.push('r');
      b.counts.push(data.length, m.rows.length);
      b.rawBytes += data.length;
      b.rows += m.rows.length;
    }
    this.added(b);
  }

  /** A message the host sent over the size limit: a record of it, written once (see jetstream-source.ts). */
  pushOversized(o: OversizedMessage): void {
    if (this.failed) return;
    const b = this.batch;
    const detail = `message of ${o.bytes} bytes over the ${this.opts.maxMessageBytes}-byte limit${o.timeUs === undefined ? '' : ` at time_us ${o.timeUs}`} from ${o.url}`;
    this.deadLetter(b, bytesKey(o.head, o.bytes), 'too_large', detail, o.head.subarray(0, DEAD_LETTER_RAW_BYTES));
    this.added(b);
  }

  /** Sends the pending batch and waits for every batch in flight (errors are handled by reconnecting). */
  async drain(): Promise<void> {
    this.send();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** The resume point for the next connection: drains first, so the cursor covers everything taken. */
  async resumePoint(): Promise<ResumePoint | undefined> {
    await this.drain();
    if (this.failed) await this.sync();
    const h = await this.opts.redis.hgetall(this.opts.keys.cursor);
    if (!h.time_us) return undefined;
    return { timeUs: Number(h.time_us), url: h.url || undefined, cursor: h.cursor ? Number(h.cursor) : undefined };
  }

  get backpressureActive(): boolean {
    return this.backpressure;
  }

  private setLength(length: number): void {
    this.length = length;
    this.opts.metrics.bufferLength.set(length);
  }

  close(): void {
    clearTimeout(this.timer);
  }

  /** Waits until another batch may be taken: the single place where ingest holds back. */
  private async room(): Promise<void> {
    while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.length <= this.opts.maxEntries) return;
    const { metrics, log, redis, keys } = this.opts;
    this.backpressure = true;
    metrics.backpressureActive.set(1);
    log.warn({ length: this.length, bound: this.opts.maxEntries }, 'buffer full: pausing the Jetstream socket');
    while (this.length > this.opts.maxEntries && !this.failed && !this.stopping) {
      // The flusher may flush only what is old enough: ask again each round.
      this.opts.flusher.requestFlush();
      await sleep(BACKPRESSURE_POLL_MS);
      const n = await redis.get(keys.buffered).catch(() => undefined);
      if (n !== undefined) this.setLength(Number(n ?? 0));
    }
    this.backpressure = false;
    metrics.backpressureActive.set(0);
    log.info({ length: this.length }, 'buffer below its bound: resuming the Jetstream socket');
  }

  private added(b: Batch): void {
    b.events++;
    if (b.events >= this.opts.batchSize) this.send();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.send(), this.opts.batchMaxWaitMs);
  }

  private deadLetter(b: Batch, key: string, reason: string, detail: string, raw: Buffer): void {
    b.ids.add(key);
    b.kinds.push('d');
    b.dead.push(reason, detail, raw, new Date().toISOString());
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const b = this.batch;
    if (b.events === 0) return;
    this.batch = newBatch();
    b.received.forEach((n, i) => n > 0 && this.opts.metrics.eventsReceived.inc(RECEIVED[i], n));
    const { keys, metrics, log } = this.opts;
    const argv = [
      String(this.seq++),
      String(this.opts.dedupWindowSeconds),
      b.lastTimeUs > 0 ? String(b.lastTimeUs) : '',
      b.url,
      b.lastCursor !== undefined ? String(b.lastCursor) : '',
      String(this.opts.deadLetterMaxLen),
      b.lines.bytes(),
      b.kinds.join(''),
      String(b.rawBytes),
      String(b.rows),
      b.counts.join(','),
      b.ids.bytes(),
      b.ids.lengthList(),
      ...b.dead,
    ];
    // The dedup marks of this period and of the previous one (see append-script.ts).
    const period = Math.floor(Date.now() / 1000 / this.opts.dedupWindowSeconds);
    const p = this.append(
      7,
      keys.stream,
      keys.cursor,
      keys.deadLetter,
      keys.appendSeq,
      keys.buffered,
      keys.dedupPrefix + period,
      keys.dedupPrefix + (period - 1),
      ...argv,
    ).then(
      ([appended, dupes, length, , ...dead]) => {
        this.stats.appended += appended;
        this.stats.duplicates += dupes;
        if (dupes > 0) metrics.duplicatesDropped.inc(dupes);
        // Counted and logged when written, so a replayed bad event counts once.
        for (let i = 0; i + 1 < dead.length; i += 2) {
          this.stats.invalid++;
          metrics.eventsInvalid.inc({ reason: dead[i] });
          log.warn({ reason: dead[i], detail: dead[i + 1] }, 'invalid event dead-lettered');
        }
        if (!this.failed) this.setLength(length);
      },
      (err: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.batch = newBatch();
        log.error({ err }, 'append to Redis failed; reconnecting from the persisted cursor');
        this.source?.reconnect('error');
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }
}
