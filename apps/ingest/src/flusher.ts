// Step 6: when to flush. Reads buffered stream entries through a consumer group and hands them to the commit
// protocol (flush-commit.ts) every `intervalMs`, or at `maxRows` rows, or at once when asked (backpressure,
// flushNow, stop). Any failure → nothing acknowledged; after a backoff, recovery runs and reading restarts from
// the consumer's pending list. Entries younger than `safetyLagMs` are held back (except by flushNow): with
// appendfsync everysec Redis may still lose them, and an entry that reached Parquet and then vanished from
// Redis would be re-ingested under a new id and written twice.
import type { Redis } from 'ioredis';
import { backoffDelay, sleep } from './backoff';
import { FlushCommit, type FlushResult, type WriteFlushBatch } from './flush-commit';
import type { IngestKeys } from './keys';
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';
import { decodeEntry, streamEntries, type StreamEntry } from './stream-entry';
import { compareStreamIds, parseStreamId } from './stream-id';

export interface FlusherOptions {
  /** Commands (acks, trims, ranges). */
  redis: Redis;
  /** A connection of its own for blocking reads. */
  reader: Redis;
  keys: IngestKeys;
  dataDir: string;
  maxRows: number;
  /** Rows per file group of one flush (flush-commit.ts). */
  chunkRows?: number;
  intervalMs: number;
  safetyLagMs: number;
  write: WriteFlushBatch;
  metrics: IngestMetrics;
  log: Logger;
  /** Stream entries per read; an entry is one append batch (up to APPEND_BATCH_SIZE events). */
  readCount?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Flusher {
  readonly stats = { flushes: 0, errors: 0, rows: 0, events: 0 };
  /** Every completed flush, for tests and the benchmark (bounded). */
  readonly recent: FlushResult[] = [];
  private readonly commit: FlushCommit;
  private entries: StreamEntry[] = [];
  private rowCount = 0;
  private batchStartedAt = 0;
  private readPending = true;
  private pendingCursor = '0';
  private needRecover = true;
  private waiters: Waiter[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
  private failures = 0;
  private urgent = false;
  private readonly readCount: number;

  constructor(private readonly opts: FlusherOptions) {
    this.commit = new FlushCommit(opts);
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

  /** Flush what is buffered without waiting for the interval or the size (still respecting the safety lag). */
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
        if (this.needRecover) await this.recover();
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
    if (this.rowCount < maxRows) {
      const got = await this.read(Math.max(1, Math.min(500, dueAt - now)));
      if (got === this.readCount && this.rowCount < maxRows) return; // more is waiting: read on first
    }
    if (this.entries.length === 0) return;
    if (this.rowCount < maxRows && !this.urgent && Date.now() < this.batchStartedAt + intervalMs) return;
    if (this.needRecover) return;
    const horizon = Date.now() - safetyLagMs;
    const cut = this.cutBefore(horizon);
    if (cut === 0) {
      // Everything is too young to be safely in Redis's AOF yet: wait for the oldest to age.
      const oldestMs = parseStreamId(this.entries[0].id)[0];
      await this.pause(Math.max(10, oldestMs - horizon));
      return;
    }
    await this.flush(cut);
    this.urgent = false;
  }

  private async drainAndFlushAll(): Promise<void> {
    while ((await this.read(undefined)) > 0) {
      if (this.rowCount >= this.opts.maxRows) await this.flush(this.cutBefore(Infinity));
    }
    while (this.entries.length > 0) await this.flush(this.cutBefore(Infinity));
  }

  /** Number of leading entries older than `horizonMs`, stopping once `maxRows` rows are reached. */
  private cutBefore(horizonMs: number): number {
    let rows = 0;
    let i = 0;
    for (; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (parseStreamId(e.id)[0] > horizonMs) break;
      rows += e.rowCount;
      if (rows >= this.opts.maxRows) return i + 1;
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
    // As Buffers: an entry's rows go to the flush worker as bytes and never become a string on this thread.
    const items = streamEntries(await reader.callBuffer('XREADGROUP', ...args));
    if (this.readPending) {
      if (items.length === 0) {
        // The pending list is done: go on with new entries at once.
        this.readPending = false;
        return this.read(blockMs);
      }
      this.pendingCursor = items[items.length - 1][0].toString();
    }
    const stale: string[] = [];
    for (const [idBytes, fields] of items) {
      const entryId = idBytes.toString();
      // Deleted entries (null) and entries already in Parquet (a trim lost with Redis's last second) are only acked.
      if (fields === null || compareStreamIds(entryId, this.commit.flushedThrough) <= 0) {
        stale.push(entryId);
        continue;
      }
      const entry = decodeEntry(entryId, fields);
      if (this.entries.length === 0) this.batchStartedAt = Date.now();
      this.entries.push(entry);
      this.rowCount += entry.rowCount;
    }
    if (stale.length > 0) await this.opts.redis.xack(keys.stream, keys.group, ...stale);
    return items.length;
  }

  /** The first `count` entries through the commit protocol; failures are counted and rethrown. */
  private async flush(count: number): Promise<void> {
    if (count === 0) return;
    const { metrics, log } = this.opts;
    const started = performance.now();
    const entries = this.entries.slice(0, count);
    try {
      const result = await this.commit.flush(entries);
      this.entries = this.entries.slice(count);
      this.rowCount = this.entries.reduce((n, e) => n + e.rowCount, 0);
      if (this.entries.length > 0) this.batchStartedAt = Date.now();
      const seconds = (performance.now() - started) / 1000;
      metrics.flushDuration.observe(seconds);
      metrics.flushes.inc({ result: 'ok' });
      metrics.lastFlushSuccess.set(Date.now() / 1000);
      this.syncStats();
      this.recent.push(result);
      if (this.recent.length > 1000) this.recent.shift();
      log.info(
        { first: result.firstId, last: result.lastId, events: result.events, files: result.files.length, seconds },
        'flushed',
      );
    } catch (err) {
      metrics.flushes.inc({ result: 'error' });
      this.stats.errors++;
      throw new FlushError(`flush of ${entries[0].id}..${entries[count - 1].id} failed`, { cause: err });
    }
  }

  // Recovery is a flush attempt too (it redoes the open intent): its failures count where operators look.
  private async recover(): Promise<void> {
    this.needRecover = false; // a reconnect during recovery sets it again
    this.entries = [];
    this.rowCount = 0;
    try {
      await this.commit.recover();
    } catch (err) {
      this.opts.metrics.flushes.inc({ result: 'error' });
      this.stats.errors++;
      throw new FlushError('flush recovery failed', { cause: err });
    } finally {
      this.syncStats();
    }
    this.readPending = true;
    this.pendingCursor = '0';
  }

  private syncStats(): void {
    this.stats.flushes = this.commit.stats.flushes;
    this.stats.rows = this.commit.stats.rows;
    this.stats.events = this.commit.stats.events;
  }

  /** Sleeps, unless a flushNow()/stop() is waiting (they abort the sleep too). */
  private async pause(ms: number): Promise<void> {
    if (this.waiters.length > 0 || this.stopping) return;
    this.wake = new AbortController();
    await sleep(ms, this.wake.signal);
  }
}

export class FlushError extends Error {
  override name = 'FlushError';
}
