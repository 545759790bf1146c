import type { Redis } from 'ioredis';
import type { IngestKeys } from '../stream/keys';
import { decodeEntry, streamEntries } from '../stream/stream-entry';
import type { PostTail } from './post-tail';

export interface TailFollowerOptions {
  /** A client of its own: XREAD BLOCK holds the connection. Commands should fail fast while Redis is away. */
  redis: Redis;
  keys: IngestKeys;
  tail: PostTail;
  /** XREAD BLOCK: the longest wait for new entries (default 1000 ms). */
  blockMs?: number;
  /** Entries per read (default 500): the most the tail can pass its bound by. */
  batchEntries?: number;
  /** Least time between two appends, so a busy stream is taken in batches (default 200 ms). */
  minIntervalMs?: number;
  /** Wait after a failed round, and while the tail is full (default 1000 ms). */
  retryMs?: number;
  /** Connection state changes and failures, for the app's log and metrics. */
  onState?: (state: { connected: boolean; error?: unknown }) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

/**
 * Feeds a PostTail from ingest's Redis stream, read without a consumer group (XREAD: it never acknowledges or
 * changes anything ingest relies on). Each round: ingest's flushed-through (prunes what is in Parquet now), then
 * the entries after the tail's position. On a restart the tail rebuilds from the stream (every entry not yet
 * flushed is still there). While Redis is away the tail keeps what it holds, queries go on from the files and it,
 * and the follower retries; while the tail is full it waits for a flush to make room.
 */
export class TailFollower {
  private running: Promise<void> | undefined;
  private stopped = false;
  /** undefined until the first round: the first outcome is reported either way. */
  private connected: boolean | undefined;
  /** When the tail last held every entry of the stream (ms since epoch; 0: never). */
  private caughtUpAt = 0;

  constructor(private readonly opts: TailFollowerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A blocked XREAD returns within blockMs; disconnecting ends it at once.
    this.opts.redis.disconnect();
    await this.running;
  }

  get isConnected(): boolean {
    return this.connected === true;
  }

  /** Seconds since the tail last held every entry of the stream: what a query may be missing at most. */
  lagSeconds(now = Date.now()): number {
    return this.caughtUpAt === 0 ? 0 : Math.max(0, (now - this.caughtUpAt) / 1000);
  }

  /** One round (exposed for tests): prune to flushed-through, read what is new. Throws when Redis fails. */
  async round(block = true): Promise<number> {
    const { redis, keys, tail } = this.opts;
    const flushed = await redis.get(keys.flushedThrough);
    if (flushed) await tail.prune(flushed);
    if (tail.full) return 0;
    const count = this.opts.batchEntries ?? 500;
    const args: (string | number)[] = ['COUNT', count];
    if (block) args.push('BLOCK', this.opts.blockMs ?? 1000);
    const reply = await redis.callBuffer('XREAD', ...args, 'STREAMS', keys.stream, tail.position);
    const entries = streamEntries(reply).map(([id, fields]) => decodeEntry(id.toString(), fields ?? []));
    if (entries.length > 0) {
      // A flush that committed since the GET above also trimmed the entries it wrote, so XREAD skipped those after
      // the tail's position: appended as they are, the tail would claim that range without their rows (and queries
      // would leave out the flush's files). Flushed-through read after XREAD covers every entry it skipped; pruning
      // to it restarts the tail after them.
      const now = await redis.get(keys.flushedThrough);
      if (now && now !== flushed) await tail.prune(now);
      await tail.append(entries);
    }
    if (entries.length < count) this.caughtUpAt = Date.now();
    return entries.length;
  }

  private async loop(): Promise<void> {
    const { retryMs = 1000, minIntervalMs = 200 } = this.opts;
    while (!this.stopped) {
      const started = Date.now();
      try {
        const read = await this.round();
        this.setConnected(true);
        if (this.opts.tail.full) await sleep(retryMs);
        else if (read > 0) await sleep(minIntervalMs - (Date.now() - started));
      } catch (error) {
        if (this.stopped) break;
        this.setConnected(false, error);
        await sleep(retryMs);
      }
    }
  }

  private setConnected(connected: boolean, error?: unknown): void {
    if (connected === this.connected) return;
    this.connected = connected;
    this.opts.onState?.({ connected, error });
  }
}
