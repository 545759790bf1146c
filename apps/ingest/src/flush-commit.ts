// Step 7: the commit protocol of one flush, and the recovery that makes a crash at any point harmless.
// Files are named after the stream-id range, so redoing a range overwrites, never duplicates:
//   1. durable intent {first, last} (DATA_DIR state file, mirrored in Redis)
//   2. write: every file written, fsynced, renamed (flush worker), in groups of about chunkRows rows (cut between entries) so that
//      the writer's memory is bounded by a group, not by the flush (the group cuts are part of the intent)
//   3. durable flushedThrough = last (state file)
//   4. XACK + XTRIM MINID + clear the Redis mirror, in one MULTI
// recover() redoes an open intent with exactly the same range, and acks/trims whatever the state file says is
// flushed. When to flush, and what, is the scheduler's business (flusher.ts).
import type { WrittenFile } from '@bsky-explorer/storage';
import type { Redis } from 'ioredis';
import { FlushStateFile, type FlushIntent } from './flush-state';
import type { IngestKeys } from './keys';
import type { Logger } from './logger';
import type { IngestMetrics } from './metrics';
import { decodeEntry, flushPayload, type FlushPayload, type StreamEntry } from './stream-entry';
import { compareStreamIds, nextStreamId } from './stream-id';

/** One file group's rows for the writer (stream-entry.ts) and the id range naming its files. */
export interface FlushBatch {
  firstId: string;
  lastId: string;
  payload: FlushPayload;
}

/** Writes one flush's files (the flush worker by default). */
export type WriteFlushBatch = (dataDir: string, batch: FlushBatch) => Promise<WrittenFile[]>;

export interface FlushResult {
  firstId: string;
  lastId: string;
  events: number;
  files: WrittenFile[];
}

export interface FlushCommitOptions {
  redis: Redis;
  keys: IngestKeys;
  dataDir: string;
  write: WriteFlushBatch;
  metrics: IngestMetrics;
  log: Logger;
  /** Rows per file group (see step 2). */
  chunkRows?: number;
}

const DEFAULT_CHUNK_ROWS = 10_000;
const ACK_CHUNK = 10_000;
const RANGE_COUNT = 64;

export class FlushCommit {
  readonly stats = { flushes: 0, rows: 0, events: 0 };
  /** Every stream entry with an id <= this is in a durable Parquet file. */
  flushedThrough = '0-0';
  private readonly state: FlushStateFile;

  constructor(private readonly opts: FlushCommitOptions) {
    this.state = new FlushStateFile(opts.dataDir);
  }

  /** Steps 1-4 for `entries` (consecutive, oldest first). */
  async flush(entries: StreamEntry[]): Promise<FlushResult> {
    const { redis, keys } = this.opts;
    const first = entries[0].id;
    const last = entries[entries.length - 1].id;
    const cuts = cutPoints(entries, this.opts.chunkRows ?? DEFAULT_CHUNK_ROWS);
    const intent: FlushIntent = { first, last, count: entries.length, cuts };
    const events = entries.reduce((n, e) => n + e.events, 0);
    await this.state.write({ flushedThrough: this.flushedThrough, intent });
    await redis.hset(keys.flushIntent, { first, last, count: entries.length, cuts: cuts.join(',') });
    const files = await this.write(entries, intent);
    await this.state.write({ flushedThrough: last, intent: null });
    this.flushedThrough = last;
    await this.ackThrough(last, events);
    this.stats.flushes++;
    this.stats.events += events;
    return { firstId: first, lastId: last, events, files };
  }

  /**
   * Brings Redis in line with the durable state: redoes an open intent (same range → same file names), then
   * acks and trims what is flushed. Afterwards, reading starts over from the consumer's pending list.
   */
  async recover(): Promise<void> {
    const { redis, keys, log } = this.opts;
    const state = await this.state.read();
    const mirrored = await redis.get(keys.flushedThrough);
    this.flushedThrough = state.flushedThrough ?? mirrored ?? '0-0';
    let intent = state.intent;
    if (!intent) {
      const h = await redis.hgetall(keys.flushIntent);
      if (h.first && h.last)
        intent = { first: h.first, last: h.last, count: Number(h.count ?? 0), cuts: h.cuts ? h.cuts.split(',') : [] };
    }
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
        await this.write(entries, intent);
        this.stats.flushes++;
        this.stats.events += entries.reduce((n, e) => n + e.events, 0);
      }
      await this.state.write({ flushedThrough: intent.last, intent: null });
      this.flushedThrough = intent.last;
    } else if (state.intent) {
      await this.state.write({ flushedThrough: this.flushedThrough, intent: null });
    }
    await this.ackThrough(this.flushedThrough);
  }

  /** Step 2: one write per group, named by the intent's cuts (the same names on a redo, whatever is missing). */
  private async write(entries: StreamEntry[], intent: FlushIntent): Promise<WrittenFile[]> {
    const { metrics } = this.opts;
    const files: WrittenFile[] = [];
    let from = intent.first;
    let at = 0;
    for (const end of [...(intent.cuts ?? []), intent.last]) {
      const group: StreamEntry[] = [];
      while (at < entries.length && compareStreamIds(entries[at].id, end) <= 0) group.push(entries[at++]);
      if (group.length > 0) {
        const batch = { firstId: from, lastId: end, payload: flushPayload(group) };
        files.push(...(await this.opts.write(this.opts.dataDir, batch)));
      }
      from = nextStreamId(end);
    }
    let bytes = 0;
    for (const f of files) {
      this.stats.rows += f.rows;
      metrics.flushRows.inc({ table: f.table }, f.rows);
      metrics.parquetBytes.inc({ table: f.table }, f.bytes);
      bytes += f.bytes;
    }
    const raw = entries.reduce((n, e) => n + e.rawBytes, 0);
    metrics.rawBytesFlushed.inc(raw);
    if (raw > 0) metrics.compressionRatio.set(bytes / raw);
    return files;
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
    this.opts.metrics.bufferLength.set(Math.max(0, Number(reply[3][1])));
  }

  private async range(first: string, last: string): Promise<StreamEntry[]> {
    const out: StreamEntry[] = [];
    let from = first;
    for (;;) {
      const items = await this.opts.redis.xrangeBuffer(this.opts.keys.stream, from, last, 'COUNT', RANGE_COUNT);
      for (const [id, fields] of items) out.push(decodeEntry(id.toString(), fields));
      if (items.length < RANGE_COUNT) return out;
      from = nextStreamId(items[items.length - 1][0].toString());
    }
  }
}

/** Ids after which a new file group starts: every ~chunkRows rows, at entry boundaries. */
function cutPoints(entries: readonly StreamEntry[], chunkRows: number): string[] {
  const cuts: string[] = [];
  let rows = 0;
  for (let i = 0; i < entries.length - 1; i++) {
    rows += entries[i].rowCount;
    if (rows >= chunkRows) {
      cuts.push(entries[i].id);
      rows = 0;
    }
  }
  return cuts;
}
