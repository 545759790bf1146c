import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { PoolClosedError, QueryTimeoutError, isInterruptError } from './errors';

/** What a query is for: the label of the `graph_duckdb_query_duration_seconds` metric. */
export type QueryKind = 'search' | 'count' | 'lookup' | 'export';

/** One SQL statement of a query (a search runs several: plan, windows, read-back). */
export interface StatementObservation {
  kind: QueryKind;
  /** Its own run time, in ms (no queue wait). */
  durationMs: number;
  result: 'ok' | 'error' | 'timeout';
}

export interface QueryObservation {
  kind: QueryKind;
  /** From asking for a connection to the end, in ms. */
  durationMs: number;
  /** Part of durationMs spent waiting for a free connection. */
  queuedMs: number;
  result: 'ok' | 'error' | 'timeout';
}

export interface DuckDbPoolOptions {
  /** DuckDB's extension and spill folders live under `<dataDir>/.duckdb`. */
  dataDir: string;
  /** DuckDB worker threads shared by all connections (default: DuckDB's choice, the core count). */
  threads?: number;
  /** Connections kept open (default 4). */
  poolSize?: number;
  /** Queries running at once; more wait in a FIFO queue (default poolSize). */
  maxConcurrentQueries?: number;
  /** Per query, queue wait included: past it the running statement is interrupted. */
  queryTimeoutMs: number;
  /** DuckDB `memory_limit`, e.g. '2GB' (default: DuckDB's, 80 % of RAM). */
  memoryLimit?: string;
  /** Per `use` (a whole search, count…): from asking for a connection to its end. */
  onQuery?: (observation: QueryObservation) => void;
  /** Per SQL statement run on a session. */
  onStatement?: (observation: StatementObservation) => void;
}

export type Row = Record<string, unknown>;
export type Params = Record<string, DuckDBValue>;

/** One query's access to its connection; refuses new statements once the query has timed out. */
export interface Session {
  all(sql: string, params?: Params): Promise<Row[]>;
  /** Runs a statement for its effect; resolves to the rows it changed or wrote (COPY). */
  run(sql: string, params?: Params): Promise<number>;
}

/** A deadline shared by every query of one unit of work (a GraphQL request), see DuckDbPool.withDeadline. */
interface Deadline {
  atMs: number;
  budgetMs: number;
}

const deadlines = new AsyncLocalStorage<Deadline>();

interface Waiter {
  resolve: (conn: DuckDBConnection) => void;
  reject: (err: Error) => void;
}

/**
 * A few connections over one DuckDB instance. Each connection runs one statement at a time, so the number of
 * connections handed out is the bound on concurrent DuckDB work; callers beyond it queue. A timer per query
 * interrupts the running statement (`connection.interrupt()`), which leaves the connection usable.
 */
export class DuckDbPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly all = new Set<DuckDBConnection>();
  private busy = 0;
  private opening = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly limit: number,
    readonly queryTimeoutMs: number,
    private readonly onQuery?: (o: QueryObservation) => void,
    private readonly onStatement?: (o: StatementObservation) => void,
  ) {}

  static async create(options: DuckDbPoolOptions): Promise<DuckDbPool> {
    const poolSize = options.poolSize ?? 4;
    const limit = Math.min(poolSize, options.maxConcurrentQueries ?? poolSize);
    if (!(limit >= 1)) throw new RangeError('poolSize and maxConcurrentQueries must be at least 1');
    if (!(options.queryTimeoutMs > 0)) throw new RangeError('queryTimeoutMs must be positive');
    const base = join(options.dataDir, '.duckdb');
    await mkdir(join(base, 'extensions'), { recursive: true });
    await mkdir(join(base, 'tmp'), { recursive: true });
    const config: Record<string, string> = {
      // Nothing can be downloaded here: keep DuckDB from trying (parquet and icu are built in).
      extension_directory: join(base, 'extensions'),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: join(base, 'tmp'),
    };
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', config);
    const setup = await instance.connect();
    try {
      // Footers of files already read stay in memory (a parquet setting, unknown at instance creation); DuckDB
      // checks the file's modification time before reusing one, and our files are never rewritten in place.
      await setup.run('SET GLOBAL parquet_metadata_cache = true');
    } finally {
      setup.closeSync();
    }
    return new DuckDbPool(instance, limit, options.queryTimeoutMs, options.onQuery, options.onStatement);
  }

  /**
   * Runs `fn` under a deadline `budgetMs` from now that every query it starts (directly or through a store, in any
   * number of steps) shares: each query's timeout becomes min(its own, time left), and a query started after the
   * deadline fails at once. A request of several queries (a page, its count, its lookups) thus ends by the one
   * bound, not each query by its own. Nested calls keep the earlier deadline.
   */
  static withDeadline<T>(budgetMs: number, fn: () => T): T {
    const atMs = Date.now() + budgetMs;
    const outer = deadlines.getStore();
    return deadlines.run(outer && outer.atMs <= atMs ? outer : { atMs, budgetMs }, fn);
  }

  /** Queries running now and queries waiting for a connection (for an in-flight gauge). */
  stats(): { running: number; queued: number } {
    return { running: this.busy, queued: this.waiters.length };
  }

  /**
   * Runs `fn` with a connection of its own, under the pool's concurrency bound and the query timeout.
   * Throws QueryTimeoutError when the timeout hits, whether the query was still queued or running.
   */
  async use<T>(kind: QueryKind, fn: (session: Session) => Promise<T>, ownTimeoutMs = this.queryTimeoutMs): Promise<T> {
    const started = performance.now();
    let queuedMs = 0;
    let timedOut = false;
    let conn: DuckDBConnection | undefined;
    let waiter: Waiter | undefined;
    // Under a shared deadline the error names the whole budget: that is the bound the caller configured.
    const deadline = deadlines.getStore();
    const leftMs = deadline ? deadline.atMs - Date.now() : Infinity;
    const delayMs = Math.max(0, Math.min(ownTimeoutMs, leftMs));
    const timeoutMs = leftMs < ownTimeoutMs ? deadline!.budgetMs : ownTimeoutMs;
    if (leftMs <= 0) {
      this.onQuery?.({ kind, durationMs: 0, queuedMs: 0, result: 'timeout' });
      throw new QueryTimeoutError(kind, timeoutMs);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      if (conn) conn.interrupt();
      else if (waiter) {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.reject(new QueryTimeoutError(kind, timeoutMs));
      }
    }, delayMs);
    const observe = (result: QueryObservation['result']) =>
      this.onQuery?.({ kind, durationMs: performance.now() - started, queuedMs, result });
    try {
      conn = await this.acquire((w) => (waiter = w));
      queuedMs = performance.now() - started;
      const active = conn;
      const guard = async <R>(run: () => Promise<R>): Promise<R> => {
        if (timedOut) throw new QueryTimeoutError(kind, timeoutMs);
        const t0 = performance.now();
        const statement = (result: StatementObservation['result']) =>
          this.onStatement?.({ kind, durationMs: performance.now() - t0, result });
        try {
          const value = await run();
          statement('ok');
          return value;
        } catch (err) {
          if (timedOut && isInterruptError(err)) {
            statement('timeout');
            throw new QueryTimeoutError(kind, timeoutMs, { cause: err });
          }
          statement('error');
          throw err;
        }
      };
      const session: Session = {
        all: (sql, params) => guard(async () => (await active.runAndReadAll(sql, params)).getRowObjectsJS() as Row[]),
        run: (sql, params) => guard(async () => (await active.run(sql, params)).rowsChanged),
      };
      const value = await fn(session);
      observe('ok');
      return value;
    } catch (err) {
      observe(err instanceof QueryTimeoutError ? 'timeout' : 'error');
      throw err;
    } finally {
      clearTimeout(timer);
      if (conn) this.release(conn);
    }
  }

  /**
   * A connection of the same instance outside the pool and its bound, for a background writer (the tail's in-memory
   * tables, which the pooled queries read). The caller closes it before closing the pool.
   */
  async connect(): Promise<DuckDBConnection> {
    if (this.closed) throw new PoolClosedError();
    return this.instance.connect();
  }

  /** Convenience: one statement, its rows as plain JS values (BIGINT as bigint, lists as arrays). */
  query(kind: QueryKind, sql: string, params?: Params): Promise<Row[]> {
    return this.use(kind, (s) => s.all(sql, params));
  }

  private async acquire(onWait: (w: Waiter) => void): Promise<DuckDBConnection> {
    if (this.closed) throw new PoolClosedError();
    if (this.busy < this.limit) {
      this.busy++;
      const conn = this.idle.pop();
      if (conn) return conn;
      this.opening++;
      try {
        const fresh = await this.instance.connect();
        this.all.add(fresh);
        return fresh;
      } catch (err) {
        this.busy--;
        throw err;
      } finally {
        this.opening--;
      }
    }
    return new Promise<DuckDBConnection>((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      this.waiters.push(w);
      onWait(w);
    });
  }

  private release(conn: DuckDBConnection): void {
    if (this.closed) {
      this.busy--;
      conn.closeSync();
      this.all.delete(conn);
      return;
    }
    const next = this.waiters.shift();
    // Hand the connection straight to the next waiter: `busy` stays the same.
    if (next) next.resolve(conn);
    else {
      this.busy--;
      this.idle.push(conn);
    }
  }

  /** Rejects queued queries, interrupts running ones, closes connections and the instance. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new PoolClosedError());
    for (const conn of this.idle.splice(0)) {
      conn.closeSync();
      this.all.delete(conn);
    }
    for (const conn of this.all) conn.interrupt();
    const deadline = Date.now() + 5000;
    while ((this.busy > 0 || this.opening > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.instance.closeSync();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
