import type { AccountRow, PostRow, TableRow, TombstoneRow } from '@bsky-explorer/schema';
import { Redis } from 'ioredis';
import { makeTempDir, startRedis, type RedisServer } from '@bsky-explorer/testing';
import type { PostStore } from '../query/post-store';
import type { TailFollower } from './tail-follower';
import { writeFlushBatch } from '../parquet/write-flush-batch';
import type { IngestKeys } from '../stream/keys';
import { ENTRY_FIELDS, LinesWriter, decodeEntry, flushPayload, rowsOfPayload } from '../stream/stream-entry';
import { nextStreamId } from '../stream/stream-id';

// Test helper: ingest's side of the stream, by its contract (stream-entry.ts, keys.ts, flush-commit.ts steps 2-4):
// one entry per appended batch, files named after the id range, then flushed-through and the trim in one MULTI.

export type Rows = { posts?: PostRow[]; tombstones?: TombstoneRow[]; accounts?: AccountRow[] };

const tableRows = (rows: Rows): TableRow[] => [
  ...(rows.posts ?? []).map((row) => ({ table: 'posts' as const, row })),
  ...(rows.tombstones ?? []).map((row) => ({ table: 'tombstones' as const, row })),
  ...(rows.accounts ?? []).map((row) => ({ table: 'accounts' as const, row })),
];

export class IngestStream {
  constructor(
    private readonly redis: Redis,
    private readonly keys: IngestKeys,
    private readonly dataDir: string,
  ) {}

  /** One stream entry holding one event per row (as the append script writes it); returns its id. */
  async append(rows: Rows): Promise<string> {
    const lines = new LinesWriter();
    const all = tableRows(rows);
    for (const r of all) lines.add([r]);
    const F = ENTRY_FIELDS;
    const id = await this.redis.xadd(
      this.keys.stream,
      '*',
      F.rows,
      Buffer.from(lines.bytes()),
      F.skip,
      '',
      F.rawBytes,
      String(lines.bytes().length),
      F.rowCount,
      String(all.length),
      F.events,
      String(lines.count),
    );
    return id as string;
  }

  /**
   * Step 2 of a flush: the files of every entry after flushed-through (up to `through`), durable; returns the range
   * (or undefined).
   */
  async writeFiles(through = '+'): Promise<{ first: string; last: string } | undefined> {
    const from = nextStreamId((await this.redis.get(this.keys.flushedThrough)) ?? '0-0');
    const items = await this.redis.xrangeBuffer(this.keys.stream, from, through);
    if (items.length === 0) return undefined;
    const entries = items.map(([id, fields]) => decodeEntry(id.toString(), fields));
    const first = entries[0].id;
    const last = entries[entries.length - 1].id;
    await writeFlushBatch(this.dataDir, { firstId: first, lastId: last, rows: rowsOfPayload(flushPayload(entries)) });
    return { first, last };
  }

  /** Steps 3-4: flushed-through and the trim, in one MULTI (as FlushCommit.ackThrough). */
  async commit(last: string): Promise<void> {
    await this.redis
      .multi()
      .xtrim(this.keys.stream, 'MINID', nextStreamId(last))
      .set(this.keys.flushedThrough, last)
      .exec();
  }

  /** A whole flush of what is buffered. */
  async flush(): Promise<void> {
    const range = await this.writeFiles();
    if (range) await this.commit(range.last);
  }
}

/**
 * What the tail's tests share: one redis-server for the file (started before all, stopped after all) and, around each
 * test, an empty Redis, a fresh data folder, a writer with ingest's side of the stream on it, and the stores the
 * test opened (closed after it, each follower stopped first). Read the fields inside tests (they change per test).
 */
export interface IngestStreamFixture {
  readonly redis: RedisServer;
  readonly dataDir: string;
  readonly writer: Redis;
  readonly ingest: IngestStream;
  /** Closes the store after the test, its follower stopped first. */
  track(store: PostStore, follower: TailFollower): void;
  /** A new writer and ingest side, for a server that restarted. */
  reconnect(): void;
}

export function ingestStreamFixture(keys: IngestKeys, tempPrefix: string): IngestStreamFixture {
  let redis: RedisServer | undefined;
  let tmp: { path: string; remove: () => Promise<void> } | undefined;
  let writer: Redis | undefined;
  let ingest: IngestStream | undefined;
  const open: { store: PostStore; follower: TailFollower }[] = [];
  const set = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the fixture's ${what} is only there inside a test`);
    return value;
  };
  const fixture: IngestStreamFixture = {
    get redis() {
      return set(redis, 'redis');
    },
    get dataDir() {
      return set(tmp, 'data folder').path;
    },
    get writer() {
      return set(writer, 'writer');
    },
    get ingest() {
      return set(ingest, 'ingest side');
    },
    track: (store, follower) => void open.push({ store, follower }),
    reconnect: () => {
      writer = new Redis(fixture.redis.url);
      ingest = new IngestStream(writer, keys, fixture.dataDir);
    },
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    tmp = await makeTempDir(tempPrefix);
    fixture.reconnect();
    await fixture.writer.flushall();
  });
  afterEach(async () => {
    for (const { store, follower } of open.splice(0)) {
      await follower.stop();
      await store.close();
    }
    writer?.disconnect();
    await tmp?.remove();
  });
  return fixture;
}
