// Moves buffered stream entries into Parquet. Reads through a consumer group, accumulates, and flushes every
// `intervalMs` or `maxRows` rows. The commit protocol of one flush (files named after the stream-id range):
//   1. durable intent {first, last} (DATA_DIR state file, mirrored in Redis)
//   2. writeFlushBatch: every file written, fsynced, renamed
//   3. durable flushedThrough = last (state file)
//   4. XACK + XTRIM MINID + clear the Redis mirror, in one MULTI
// Any failure → nothing acknowledged; after a backoff `recover()` redoes an open intent with exactly the same
// range (same names overwrite, no duplicate), acks/trims whatever the state file says is flushed, and reading
// restarts from the consumer's pending list. Entries younger than `safetyLagMs` are held back (except by
// flushNow): with appendfsync everysec Redis may still lose them, and an entry that reached Parquet and then
// vanished from Redis would be re-ingested under a new id and written twice.
import type { WrittenFile } from '@bsky-explorer/storage';
import type { Redis } from 'ioredis';
import { backoffDelay, sleep } from './backoff';
import type { FlushPayload, WriteFlushBatch } from './flush-rows';
import { FlushStateFile, type FlushIntent } from './flush-state';
import type { IngestKeys } from './keys';
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';
import { compareStreamIds, nextStreamId, parseStreamId } from './stream-id';

export type { WriteFlushBatch } from './flush-rows';

export interface FlusherOptions {
  /** Commands (acks, trims, ranges). */
  redis: Redis;
  /** A connection of its own for blocking reads. */
  reader: Redis;
  keys: IngestKeys;
  dataDir: string;
  maxRows: number;
  intervalMs: number;
  safetyLagMs: number;
  write: WriteFlushBatch;
  metrics: IngestMetrics;
  log: Logger;
  /** Stream entries per read; an entry is one append batch (up to APPEND_BATCH_SIZE events). */
  readCount?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Stream length after a trim (lets backpressure lift at once). */
  onTrimmed?: (length: number) => void;
}

/** One stream entry: a batch of events as appended by the buffer. */
interface Entry {
  id: string;
  payload: FlushPayload;
  /** Ordinals of replayed messages in `payload.messages` ('' = none). */
  skip: string;
  raw: number;
  /** Rows and events in it. */
  count: number;
  events: number;
}

export interface FlushResult {
  firstId: string;
  lastId: string;
  events: number;
  files: WrittenFile[];
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

const ACK_CHUNK = 10_000;

export class Flusher {
  readonly stats = { flushes: 0, errors: 0, rows: 0, events: 0 };
  /** Every completed flush, for tests and the benchmark (bounded). */
  readonly recent: FlushResult[] = [];
  private entries: Entry[] = [];
  private rowCount = 0;
  private batchStartedAt = 0;
  private flushedThrough = '0-0';
  private readPending = true;
  private pendingCursor = '0';
  private needRecover = true;
  private waiters: Waiter[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
  private failures = 0;
  private urgent = false;
  private readonly state: FlushStateFile;
  private readonly readCount: number;

  constructor(private readonly opts: FlusherOptions) {
    this.state = new FlushStateFile(opts.dataDir);
    this.readCount = opts.readCount ?? 16;
    // After any reconnect, Redis may have restarted from its AOF without its last second: what this flusher
    // holds in memory may no longer exist there. Start over from the durable state and the pending list.
    const resync = () => {
      this.needRecover = true;
      this.wake.abort();
    };
    opts.redis.on('ready', resync);
    opts.reader.on('ready', resync);
  }

  /** Creates the consumer group if needed and starts the loop (recovery runs first, inside the loop). */
  async start(): Promise<void> {
    const { redis, keys } = this.opts;
    try {
      await redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.loop = this.run();
  }

  /** Flushes everything in the stream now (ignores interval, size and the safety lag). */
  flushNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.wake.abort();
    });
  }

  /**
   * Flush what is buffered without waiting for the interval or the size (still respecting the safety lag):
   * called when backpressure stops the socket, so the buffer drains instead of waiting for the timer.
   */
  requestFlush(): void {
    this.urgent = true;
    this.wake.abort();
  }

  /** Final flush, then the loop ends. A failing final flush is logged; its entries stay safe in Redis. */
  async stop(): Promise<void> {
    if (!this.loop) return;
    try {
      await this.flushNow();
    } catch (err) {
      this.opts.log.error({ err }, 'final flush failed; the entries stay in Redis for the next start');
    }
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    const { log } = this.opts;
    while (!this.stopping) {
      const waiters = this.waiters.splice(0);
      try {
        if (this.needRecover) await this.recoverCounted();
        if (waiters.length > 0) {
          await this.drainAndFlushAll();
          this.failures = 0;
          for (const w of waiters) w.resolve();
          continue;
        }
        await this.step();
        this.failures = 0;
      } catch (err) {
        for (const w of waiters) w.reject(err);
        if (this.stopping) break;
        this.failures++;
        this.needRecover = true;
        const delay = backoffDelay(this.failures - 1, this.opts.retryMinMs ?? 500, this.opts.retryMaxMs ?? 30_000);
        log.error({ err, attempt: this.failures, retryInMs: delay }, 'flusher failed; nothing acknowledged, retrying');
        await this.pause(delay);
      }
    }
  }

  /** One read, and a flush when one is due. */
  private async step(): Promise<void> {
    const { maxRows, intervalMs, safetyLagMs } = this.opts;
    const now = Date.now();
    const dueAt = this.entries.length === 0 ? Infinity : this.urgent ? now : this.batchStartedAt + intervalMs;
    const full = this.rowCount >= maxRows;
    if (!full) {
      const got = await this.read(Math.max(1, Math.min(500, dueAt - now)));
      if (got === this.readCount && this.rowCount < maxRows) return; // more is waiting: read on first
    }
    if (this.entries.length === 0) return;
    if (this.rowCount < maxRows && !this.urgent && Date.now() < this.batchStartedAt + intervalMs) return;
    if (this.needRecover) return;
    const horizon = Date.now() - safetyLagMs;
    const cut = this.cutBefore(horizon, maxRows);
    if (cut === 0) {
      // Everything is too young to be safely in Redis's AOF yet: wait for the oldest to age.
      const oldestMs = parseStreamId(this.entries[0].id)[0];
      await this.pause(Math.max(10, oldestMs - horizon));
      return;
    }
    await this.flushEntries(this.entries.slice(0, cut));
    this.urgent = false;
  }

  private async drainAndFlushAll(): Promise<void> {
    while ((await this.read(undefined)) > 0) {
      if (this.rowCount >= this.opts.maxRows)
        await this.flushEntries(this.entries.slice(0, this.cutBefore(Infinity, this.opts.maxRows)));
    }
    while (this.entries.length > 0)
      await this.flushEntries(this.entries.slice(0, this.cutBefore(Infinity, this.opts.maxRows)));
  }

  /** Number of leading entries older than `horizonMs`, stopping once `maxRows` rows are reached. */
  private cutBefore(horizonMs: number, maxRows: number): number {
    let rows = 0;
    let i = 0;
    for (; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (parseStreamId(e.id)[0] > horizonMs) break;
      rows += e.count;
      if (rows >= maxRows) return i + 1;
    }
    return i;
  }

  /** XREADGROUP once (first the pending list, then new entries); returns the number of entries read. */
  private async read(blockMs: number | undefined): Promise<number> {
    const { reader, keys } = this.opts;
    const id = this.readPending ? this.pendingCursor : '>';
    const args: (string | number)[] = ['GROUP', keys.group, keys.consumer, 'COUNT', this.readCount];
    if (blockMs !== undefined && !this.readPending) args.push('BLOCK', blockMs);
    args.push('STREAMS', keys.stream, id);
    const items = streamEntries(await reader.call('XREADGROUP', ...args));
    if (this.readPending) {
      if (items.length === 0) {
        // The pending list is done: go on with new entries at once.
        this.readPending = false;
        return this.read(blockMs);
      }
      this.pendingCursor = items[items.length - 1][0];
    }
    const stale: string[] = [];
    for (const [entryId, fields] of items) {
      // Deleted entries (null) and entries already in Parquet (a trim lost with Redis's last second) are only acked.
      if (fields === null || compareStreamIds(entryId, this.flushedThrough) <= 0) {
        stale.push(entryId);
        continue;
      }
      const entry = parseEntry(entryId, fields);
      if (this.entries.length === 0) this.batchStartedAt = Date.now();
      this.entries.push(entry);
      this.rowCount += entry.count;
    }
    if (stale.length > 0) await this.opts.redis.xack(keys.stream, keys.group, ...stale);
    return items.length;
  }

  private async flushEntries(entries: Entry[]): Promise<void> {
    if (entries.length === 0) return;
    const { redis, keys, metrics, log } = this.opts;
    const started = performance.now();
    const first = entries[0].id;
    const last = entries[entries.length - 1].id;
    const intent: FlushIntent = { first, last, count: entries.length };
    const events = entries.reduce((n, e) => n + e.events, 0);
    try {
      await this.state.write({ flushedThrough: this.flushedThrough, intent });
      await redis.hset(keys.flushIntent, intent);
      const files = await this.writeFiles(entries, first, last);
      await this.commit(last, events);
      this.entries = this.entries.slice(entries.length);
      this.rowCount = this.entries.reduce((n, e) => n + e.count, 0);
      if (this.entries.length > 0) this.batchStartedAt = Date.now();
      const seconds = (performance.now() - started) / 1000;
      metrics.flushDuration.observe(seconds);
      metrics.flushes.inc({ result: 'ok' });
      metrics.lastFlushSuccess.set(Date.now() / 1000);
      this.stats.flushes++;
      this.stats.events += events;
      this.recent.push({ firstId: first, lastId: last, events, files });
      if (this.recent.length > 1000) this.recent.shift();
      log.info({ first, last, events, files: files.length, seconds }, 'flushed');
    } catch (err) {
      metrics.flushes.inc({ result: 'error' });
      this.stats.errors++;
      throw new FlushError(`flush of ${first}..${last} failed`, { cause: err });
    }
  }

  private async writeFiles(entries: Entry[], first: string, last: string): Promise<WrittenFile[]> {
    const { metrics } = this.opts;
    const files = await this.opts.write(this.opts.dataDir, {
      firstId: first,
      lastId: last,
      payloads: entries.map(withoutReplays),
    });
    let bytes = 0;
    let rows = 0;
    for (const f of files) {
      rows += f.rows;
      metrics.flushRows.inc({ table: f.table }, f.rows);
      metrics.parquetBytes.inc({ table: f.table }, f.bytes);
      bytes += f.bytes;
    }
    const raw = entries.reduce((n, e) => n + e.raw, 0);
    metrics.rawBytesFlushed.inc(raw);
    if (raw > 0) metrics.compressionRatio.set(bytes / raw);
    this.stats.rows += rows;
    return files;
  }

  /** Steps 3 and 4: the state file says "flushed", then Redis forgets the entries. */
  private async commit(last: string, events: number): Promise<void> {
    await this.state.write({ flushedThrough: last, intent: null });
    this.flushedThrough = last;
    await this.ackThrough(last, events);
  }

  /**
   * XACK every pending id <= `last`, XTRIM MINID past it, lower the buffered-events counter by what the trim
   * removes (counted from the stream when the caller does not know it), clear the intent mirror.
   */
  private async ackThrough(last: string, events?: number): Promise<void> {
    const { redis, keys } = this.opts;
    for (;;) {
      const pending = (await redis.call('XPENDING', keys.stream, keys.group, '-', last, ACK_CHUNK)) as [
        string,
        ...unknown[],
      ][];
      if (pending.length === 0) break;
      await redis.xack(keys.stream, keys.group, ...pending.map((p) => p[0]));
      if (pending.length < ACK_CHUNK) break;
    }
    const removed = events ?? (await this.range('-', last)).reduce((n, e) => n + e.events, 0);
    const reply = await redis
      .multi()
      .xtrim(keys.stream, 'MINID', nextStreamId(last))
      .del(keys.flushIntent)
      .set(keys.flushedThrough, last)
      .decrby(keys.buffered, removed)
      .exec();
    const failed = reply?.find(([err]) => err);
    if (!reply || failed) throw new Error('trim transaction failed', { cause: failed?.[0] });
    const length = Math.max(0, Number(reply[3][1]));
    this.opts.metrics.bufferLength.set(length);
    this.opts.onTrimmed?.(length);
  }

  // Recovery is a flush attempt too (it redoes the open intent): its failures count where operators look.
  private async recoverCounted(): Promise<void> {
    try {
      await this.recover();
    } catch (err) {
      this.opts.metrics.flushes.inc({ result: 'error' });
      this.stats.errors++;
      throw new FlushError('flush recovery failed', { cause: err });
    }
  }

  /**
   * Brings Redis in line with the durable state: redoes an open intent (same range → same file names),
   * acks and trims what is flushed, and restarts reading from the pending list.
   */
  private async recover(): Promise<void> {
    const { redis, keys, log } = this.opts;
    this.needRecover = false; // a reconnect during recovery sets it again
    const state = await this.state.read();
    const mirrored = await redis.get(keys.flushedThrough);
    this.flushedThrough = state.flushedThrough ?? mirrored ?? '0-0';
    let intent = state.intent;
    if (!intent) {
      const h = await redis.hgetall(keys.flushIntent);
      if (h.first && h.last) intent = { first: h.first, last: h.last, count: Number(h.count ?? 0) };
    }
    this.entries = [];
    this.rowCount = 0;
    if (intent && compareStreamIds(intent.last, this.flushedThrough) > 0) {
      const entries = await this.range(intent.first, intent.last);
      if (entries.length !== intent.count) {
        log.error(
          { intent, found: entries.length },
          'flush intent range is incomplete in Redis; rewriting what is there',
        );
      }
      log.warn({ intent }, 'redoing an interrupted flush');
      if (entries.length > 0) {
        await this.writeFiles(entries, intent.first, intent.last);
        this.stats.flushes++;
        this.stats.events += entries.reduce((n, e) => n + e.events, 0);
      }
      await this.state.write({ flushedThrough: intent.last, intent: null });
      this.flushedThrough = intent.last;
    } else if (state.intent) {
      await this.state.write({ flushedThrough: this.flushedThrough, intent: null });
    }
    await this.ackThrough(this.flushedThrough);
    this.readPending = true;
    this.pendingCursor = '0';
  }

  private async range(first: string, last: string): Promise<Entry[]> {
    const out: Entry[] = [];
    let from = first;
    for (;;) {
      const items = (await this.opts.redis.xrange(this.opts.keys.stream, from, last, 'COUNT', this.readCount)) as [
        string,
        string[],
      ][];
      for (const [id, fields] of items) out.push(parseEntry(id, fields));
      if (items.length < this.readCount) return out;
      from = nextStreamId(items[items.length - 1][0]);
    }
  }

  /** Sleeps, unless a flushNow()/stop() is waiting (they abort the sleep too). */
  private async pause(ms: number): Promise<void> {
    if (this.waiters.length > 0 || this.stopping) return;
    this.wake = new AbortController();
    await sleep(ms, this.wake.signal);
  }
}

function parseEntry(id: string, fields: string[]): Entry {
  const e: Entry = { id, payload: { messages: '' }, skip: '', raw: 0, count: 0, events: 0 };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1];
    if (fields[i] === 'm') e.payload = { messages: v };
    else if (fields[i] === 's') e.skip = v;
    else if (fields[i] === 'r')
      e.payload = { rows: v }; // an entry appended by an older version
    else if (fields[i] === 'n') e.raw = Number(v);
    else if (fields[i] === 'c') e.count = Number(v);
    else if (fields[i] === 'e') e.events = Number(v);
  }
  return e;
}

/** The entry's payload without the messages its append found to be replays (rare: rewinds, failovers). */
function withoutReplays(e: Entry): FlushPayload {
  if (e.skip === '' || !('messages' in e.payload)) return e.payload;
  const skip = new Set(e.skip.split(',').map(Number));
  return {
    messages: e.payload.messages
      .split('\n')
      .filter((_, i) => !skip.has(i))
      .join('\n'),
  };
}

/** Entries of a one-stream XREADGROUP reply: RESP2 gives [[stream, entries]], RESP3 (a map) [stream, entries]. */
function streamEntries(reply: unknown): [string, string[] | null][] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const entries: unknown = Array.isArray(reply[0]) ? reply[0][1] : reply[1];
  return Array.isArray(entries) ? (entries as [string, string[] | null][]) : [];
}

export class FlushError extends Error {
  override name = 'FlushError';
}
