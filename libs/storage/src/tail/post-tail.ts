import { LIST, VARCHAR, listValue, timestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDef, TableRow } from '@bsky-explorer/schema';
import { padStreamId, partitionDate } from '../layout/partition';
import { flushPayload, rowsOfPayload, type StreamEntry } from '../stream/stream-entry';
import { compareStreamIds, nextStreamId } from '../stream/stream-id';
import type { TailSnapshot } from './tail-files';
import type { Span } from '../query/file-spans';
import { TAIL_TABLES, type TailTable } from './tail-path';
import {
  GENERATION_TABLES,
  createTailTableSql,
  tailColumns,
  tailTableName,
  tailTokensSql,
  type GenerationTable,
} from './tail-sql';
import { TAIL_MAX_POSTINGS, TailTokens, type TailTextCandidates, type TailTokenStats } from './tail-tokens';

export interface PostTailOptions {
  /** Rows held (all tables) past which the tail stops taking entries until a flush frees room (default 1,000,000). */
  maxRows?: number;
  /** JSON bytes of the entries held past which the tail stops taking entries (default 512 MiB). */
  maxBytes?: number;
  /**
   * The text index's bound: posts a token may be in and keep its postings (default TAIL_MAX_POSTINGS, see
   * tail-tokens.ts); 0 turns the index off (every text query then tests every tail row).
   */
  textIndexMaxPostings?: number;
  /**
   * Fold the tail's account rows into the account status tables once per query (tail-accounts.ts; default true);
   * false: every statement decides them again (as before; kept for A/B measurements).
   */
  foldAccounts?: boolean;
}

export interface TailStats {
  rows: Record<TailTable, number>;
  /** JSON bytes of the stream entries held (what the rows were decoded from). */
  bytes: number;
  entries: number;
  generation: number;
  /** At a bound: new entries wait in Redis until a flush frees room. */
  full: boolean;
  /** The text index of the current generation (tail-tokens.ts); undefined while it is off (see indexRows). */
  index: TailTokenStats | undefined;
}

/** A snapshot held by one query: its generation is not dropped until release. */
export interface TailLease {
  snapshot: TailSnapshot | undefined;
  release(): void;
}

const LIST_OF_VARCHAR = LIST(VARCHAR);
const count = (): Record<TailTable, number> => ({ posts: 0, tombstones: 0, accounts: 0 });
const isTailRow = (r: TableRow): r is Extract<TableRow, { table: TailTable }> => r.table !== 'identities';

/**
 * The stream entries ingest has buffered but not yet flushed, as in-memory DuckDB tables next to the Parquet files
 * (one per table, same columns, plus each row's stream id and day). It holds a contiguous range of entries
 * [lo, hi]: entries come in order (append), and the flushed ones go when ingest's flushed-through passes them
 * (prune). A prune copies what is left into a new generation of tables; queries keep reading the generation their
 * snapshot named, and an old generation is dropped when its last query released it. All writes go through one
 * connection of the store's DuckDB instance, one at a time.
 *
 * Each generation has a text index of its posts (TailTokens), filled with the rows as they are appended (before a
 * snapshot can name them) and rebuilt from what a prune kept, and dropped with the generation; and a copy of its
 * posts' update rows (tail_post_updates_g<n>: what hides older versions, read by every query, see tailRows).
 */
export class PostTail {
  private gen = 0;
  private lo: string | undefined;
  /** The last stream id taken (raw form, for XREAD): every entry up to it is held or flushed. */
  private hiRaw = '0-0';
  private readonly held: { sid: string; bytes: number; rows: number }[] = [];
  private bytes = 0;
  private rows = count();
  private days: Record<TailTable, Map<string, number>> = {
    posts: new Map(),
    tombstones: new Map(),
    accounts: new Map(),
  };
  /** indexed_at range of the posts held, per day (µs). */
  private postSpans = new Map<string, Span>();
  private readonly leases = new Map<number, number>();
  /** The text index per generation; a generation without one (its indexing failed) is scanned by text queries. */
  private readonly indexes = new Map<number, TailTokens>();
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly maxPostings: number;
  /** See PostTailOptions.foldAccounts. */
  readonly foldsAccounts: boolean;
  /**
   * Called after an append or a prune changed the account rows a new snapshot holds (the store folds them into its
   * status tables then, off the queries' path: tail-accounts.ts).
   */
  onAccountsChanged: (() => void) | undefined;

  private constructor(
    private readonly conn: DuckDBConnection,
    options: PostTailOptions,
  ) {
    this.maxRows = options.maxRows ?? 1_000_000;
    this.maxBytes = options.maxBytes ?? 512 * 1024 ** 2;
    this.maxPostings = options.textIndexMaxPostings ?? TAIL_MAX_POSTINGS;
    this.foldsAccounts = options.foldAccounts ?? true;
  }

  static async create(conn: DuckDBConnection, options: PostTailOptions = {}): Promise<PostTail> {
    const tail = new PostTail(conn, options);
    for (const table of GENERATION_TABLES) await conn.run(createTailTableSql(table, 0));
    tail.newIndex(0);
    return tail;
  }

  /** The stream id to read after: everything up to it is in the tail or flushed. */
  get position(): string {
    return this.hiRaw;
  }

  get full(): boolean {
    return this.total() >= this.maxRows || this.bytes >= this.maxBytes;
  }

  stats(): TailStats {
    return {
      rows: { ...this.rows },
      bytes: this.bytes,
      entries: this.held.length,
      generation: this.gen,
      full: this.full,
      index: this.indexes.get(this.gen)?.stats(),
    };
  }

  /** Adds stream entries newer than position, oldest first (older ones are skipped: a re-read after reconnect). */
  append(entries: readonly StreamEntry[]): Promise<void> {
    return this.serial(async () => {
      const fresh = entries.filter((e) => compareStreamIds(e.id, this.hiRaw) > 0);
      if (fresh.length === 0) return;
      const accountsBefore = this.rows.accounts;
      const appenders = new Map<GenerationTable, DuckDBAppender>();
      const appender = async (table: GenerationTable) => {
        let a = appenders.get(table);
        if (!a) appenders.set(table, (a = await this.conn.createAppender(tailTableName(table, this.gen))));
        return a;
      };
      const added: typeof this.held = [];
      const perDay: [TailTable, string][] = [];
      const times: [string, number][] = [];
      for (const entry of fresh) {
        const sid = padStreamId(entry.id);
        let rows = 0;
        for (const r of rowsOfPayload(flushPayload([entry]))) {
          if (!isTailRow(r)) continue;
          const day = partitionDate(r.row.indexed_at);
          const row = r.row as unknown as Record<string, unknown>;
          appendRow(await appender(r.table), tailColumns(r.table), row, sid, day);
          if (r.table === 'posts' && r.row.operation === 'update')
            appendRow(await appender('post_updates'), tailColumns('post_updates'), row, sid, day);
          perDay.push([r.table, day]);
          if (r.table === 'posts') times.push([day, r.row.indexed_at]);
          rows++;
        }
        added.push({ sid, bytes: entry.lines.length, rows });
      }
      // Visible to queries once every appender is flushed and the new posts are in the text index; only then
      // does the snapshot's range grow.
      for (const a of appenders.values()) a.closeSync();
      if (times.length > 0) await this.indexRows(this.gen, this.rows.posts);
      for (const [table, day] of perDay) {
        this.rows[table]++;
        this.days[table].set(day, (this.days[table].get(day) ?? 0) + 1);
      }
      for (const [day, t] of times) {
        const span = this.postSpans.get(day);
        this.postSpans.set(
          day,
          span ? { minUs: Math.min(span.minUs, t), maxUs: Math.max(span.maxUs, t) } : { minUs: t, maxUs: t },
        );
      }
      for (const h of added) {
        this.held.push(h);
        this.bytes += h.bytes;
      }
      this.lo ??= added[0].sid;
      this.hiRaw = fresh[fresh.length - 1].id;
      if (this.rows.accounts !== accountsBefore) this.onAccountsChanged?.();
    });
  }

  /**
   * Ingest's flushed-through moved to `through`: every entry up to it is in durable Parquet files, which a listing
   * taken from now on sees. The rows after it move to a new generation; when the tail is behind (it had not read
   * that far), it restarts empty after `through`.
   */
  prune(through: string): Promise<void> {
    return this.serial(async () => {
      const behind = compareStreamIds(through, this.hiRaw) >= 0;
      if (this.lo === undefined) {
        // Nothing held: only skip ahead (the entries up to `through` are in files already).
        if (behind) this.hiRaw = through;
        return;
      }
      const cut = padStreamId(nextStreamId(through));
      if (cut <= this.lo) return;
      const old = this.gen;
      const next = old + 1;
      for (const table of GENERATION_TABLES) {
        if (behind) await this.conn.run(createTailTableSql(table, next));
        else
          await this.conn.run(
            `CREATE TABLE ${tailTableName(table, next)} AS SELECT * FROM ${tailTableName(table, old)} WHERE sid >= $cut`,
            { cut },
          );
      }
      const counted = await this.countRows(next);
      const spans = await this.postSpansOf(next);
      this.newIndex(next);
      if (counted[0].posts > 0) await this.indexRows(next, 0);
      // From here on synchronous: a query takes its snapshot either before the switch or after it, never half way.
      this.gen = next;
      [this.rows, this.days] = counted;
      this.postSpans = spans;
      while (this.held.length > 0 && this.held[0].sid < cut)
        this.bytes -= (this.held.shift() as { bytes: number }).bytes;
      if (behind) this.hiRaw = through;
      this.lo = this.held.length === 0 ? undefined : cut;
      if (this.rows.accounts > 0) this.onAccountsChanged?.();
      if (!this.leases.get(old)) await this.dropGeneration(old);
    });
  }

  /** The current snapshot for a query, held until release (its generation outlives any prune meanwhile). */
  acquire(): TailLease {
    const snapshot = this.snapshot();
    if (!snapshot) return { snapshot, release: () => {} };
    const gen = snapshot.gen;
    this.leases.set(gen, (this.leases.get(gen) ?? 0) + 1);
    let released = false;
    return {
      snapshot,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.leases.get(gen) ?? 1) - 1;
        if (left > 0) this.leases.set(gen, left);
        else {
          this.leases.delete(gen);
          if (gen !== this.gen && !this.closed) this.serial(() => this.dropGeneration(gen)).catch(() => undefined);
        }
      },
    };
  }

  /**
   * The posts rows of generation `gen` that a text whose include terms have these parts (termPartsSql) can match;
   * undefined when the index cannot narrow them (then every row is a candidate). Call it with a held snapshot's
   * generation: every row the snapshot names is in the index by then.
   */
  textCandidates(gen: number, parts: readonly string[]): TailTextCandidates | undefined {
    return this.indexes.get(gen)?.candidates(parts);
  }

  /** What a query would see now (undefined: nothing held). Taking it does not hold the generation (see acquire). */
  snapshot(): TailSnapshot | undefined {
    if (this.lo === undefined || this.total() === 0) return undefined;
    return {
      gen: this.gen,
      lo: this.lo,
      hi: padStreamId(this.hiRaw),
      accountRows: this.rows.accounts,
      days: {
        posts: [...this.days.posts.keys()].sort(),
        tombstones: [...this.days.tombstones.keys()].sort(),
        accounts: [...this.days.accounts.keys()].sort(),
      },
      postSpans: Object.fromEntries(
        [...this.postSpans].map(([day, span]) => [day, { ...span, rows: this.days.posts.get(day) }]),
      ),
    };
  }

  /** Waits for the write in progress, then closes the writer connection (the store closes the instance). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing.catch(() => undefined);
    this.conn.closeSync();
  }

  private total(): number {
    return this.rows.posts + this.rows.tombstones + this.rows.accounts;
  }

  private async countRows(gen: number): Promise<[Record<TailTable, number>, Record<TailTable, Map<string, number>>]> {
    const rows = count();
    const days: Record<TailTable, Map<string, number>> = {
      posts: new Map(),
      tombstones: new Map(),
      accounts: new Map(),
    };
    for (const table of TAIL_TABLES) {
      const reader = await this.conn.runAndReadAll(
        `SELECT day, count(*)::INTEGER AS n FROM ${tailTableName(table, gen)} GROUP BY day`,
      );
      for (const { day, n } of reader.getRowObjectsJS() as { day: string; n: number }[]) {
        rows[table] += n;
        days[table].set(day, n);
      }
    }
    return [rows, days];
  }

  private async postSpansOf(gen: number): Promise<Map<string, Span>> {
    const reader = await this.conn.runAndReadAll(
      `SELECT day, epoch_us(min(indexed_at))::DOUBLE AS lo, epoch_us(max(indexed_at))::DOUBLE AS hi
       FROM ${tailTableName('posts', gen)} GROUP BY day`,
    );
    const rows = reader.getRowObjectsJS() as { day: string; lo: number; hi: number }[];
    return new Map(rows.map((r) => [r.day, { minUs: Number(r.lo), maxUs: Number(r.hi) }]));
  }

  private newIndex(gen: number): void {
    if (this.maxPostings > 0) this.indexes.set(gen, new TailTokens(this.maxPostings));
  }

  /**
   * Adds the tokens of generation `gen`'s posts rows from rowid `from` on to its text index. If that fails the
   * generation goes without an index (text queries scan it, as before there was one) instead of failing the
   * append: the rows are in the table already.
   */
  private async indexRows(gen: number, from: number): Promise<void> {
    const index = this.indexes.get(gen);
    if (!index) return;
    try {
      const reader = await this.conn.runAndReadAll(tailTokensSql(gen), { from: BigInt(from) });
      const [tokens, rows] = reader.getColumnsJS() as [string[], bigint[][]];
      for (let i = 0; i < tokens.length; i++) index.add(tokens[i], rows[i].map(Number));
    } catch {
      this.indexes.delete(gen);
    }
  }

  private async dropGeneration(gen: number): Promise<void> {
    this.indexes.delete(gen);
    if (this.closed) return;
    for (const table of GENERATION_TABLES) await this.conn.run(`DROP TABLE IF EXISTS ${tailTableName(table, gen)}`);
  }

  /** One write at a time on the writer connection, in call order; a failure rejects that call only. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the tail is closed'));
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => undefined);
    return run;
  }
}

/** One row in the table's column order (tailColumns), then the stream id and day. */
function appendRow(
  a: DuckDBAppender,
  columns: readonly ColumnDef[],
  row: Record<string, unknown>,
  sid: string,
  day: string,
): void {
  for (const c of columns) {
    const v = row[c.name];
    if (v === null || v === undefined) a.appendNull();
    else if (c.type === 'varchar') a.appendVarchar(v as string);
    else if (c.type === 'varchar[]') a.appendList(listValue(v as string[]), LIST_OF_VARCHAR);
    else if (c.type === 'bigint') a.appendBigInt(BigInt(v as number));
    else if (c.type === 'timestamp_us') a.appendTimestamp(timestampValue(BigInt(v as number)));
    else a.appendBoolean(v as boolean);
  }
  a.appendVarchar(sid);
  a.appendVarchar(day);
  a.endRow();
}
