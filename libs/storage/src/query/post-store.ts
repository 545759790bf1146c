import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { listValue } from '@duckdb/node-api';
import { listDataFiles } from '../layout/list-data-files';
import { isMissingFileError } from '../duckdb/errors';
import { DuckDbPool, type DuckDbPoolOptions, type QueryKind, type Session } from '../duckdb/pool';
import { decodeCursor, encodeCursor, type PostCursor } from './cursor';
import { CSV_HEADER, CSV_SELECT, pathLiteral } from './csv-export-sql';
import { POST_SELECT, SqlParams, filterConditions, visiblePostsCte, type FileSets, type PostFilter } from './post-sql';
import { toPostRecord, type PostRecord } from './post-record';
import { parseSearchText } from './search-text';

export interface PostStoreOptions extends DuckDbPoolOptions {
  /** Timeout of exportCsv (default queryTimeoutMs): an export reads and writes far more than a page. */
  exportTimeoutMs?: number;
}

export interface SearchArgs extends PostFilter {
  /** Page size, ≥ 1 (the API layer enforces its own maximum). */
  first: number;
  /** An opaque cursor from a previous page (see postCursor). */
  after?: string;
}

export interface SearchPage {
  /** Newest indexed_at first; equal indexed_at by uri descending. */
  rows: PostRecord[];
  hasNextPage: boolean;
}

export interface ExportArgs extends PostFilter {
  /** At most this many rows are written (the newest ones). */
  limit: number;
}

/** Hard cap on one page, whatever the caller asks (the API's configured maximum is lower). */
const MAX_PAGE = 10_000;

/** The opaque cursor of a row (for edges and endCursor). */
export function postCursor(row: Pick<PostRecord, 'indexed_at' | 'uri'>): string {
  return encodeCursor({ indexedAtUs: row.indexed_at, uri: row.uri });
}

/**
 * Re-listings after a vanished file. One is enough in production (files outlive their replacement by the
 * compaction grace period); a second covers two compactions landing within one query (tests use graceMs 0).
 */
const MAX_RELIST = 2;

const ORDER = 'ORDER BY p.indexed_at DESC, p.uri DESC';

function positiveInt(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new RangeError(`${what} must be an integer in 1..${max}`);
  return value;
}

/**
 * The read side over the Parquet files: search, count, lookup by uri and CSV export, each one DuckDB query over
 * a file set listed once (listDataFiles), with every user value bound as a parameter.
 */
export class PostStore {
  private constructor(
    private readonly dataDir: string,
    private readonly pool: DuckDbPool,
    private readonly exportTimeoutMs: number,
  ) {}

  static async create(options: PostStoreOptions): Promise<PostStore> {
    const pool = await DuckDbPool.create(options);
    return new PostStore(options.dataDir, pool, options.exportTimeoutMs ?? options.queryTimeoutMs);
  }

  /** Queries running and queued right now. */
  stats(): { running: number; queued: number } {
    return this.pool.stats();
  }

  /** One page of visible posts matching the filter, newest first. */
  async search(args: SearchArgs): Promise<SearchPage> {
    const first = positiveInt(args.first, 'first', MAX_PAGE);
    const after = args.after === undefined ? undefined : decodeCursor(args.after);
    if (args.text !== undefined) parseSearchText(args.text); // syntax errors before any I/O
    return this.withFiles('search', args, { rows: [], hasNextPage: false }, async (session, files) => {
      const want = first + 1; // one more than asked tells whether a next page exists
      const rows: PostRecord[] = [];
      let position: PostCursor | undefined = after;
      for (;;) {
        const need = want - rows.length;
        const sql = new SqlParams();
        const cte = visiblePostsCte(sql, files, filterConditions(sql, args, position));
        // LIMIT is a validated integer spliced as a constant: DuckDB plans a top-N only for a constant limit.
        const raw = (await session.all(`${cte} SELECT ${POST_SELECT} FROM visible p ${ORDER} LIMIT ${need}`, sql.values)).map(
          toPostRecord,
        );
        for (const r of raw) {
          // The same version twice (a replayed flush not yet compacted) sits next to itself in this order.
          const last = rows.at(-1);
          if (last && last.uri === r.uri && last.indexed_at === r.indexed_at) continue;
          rows.push(r);
        }
        if (raw.length < need || rows.length >= want) break;
        // Duplicates were dropped: fetch the rest after the last row seen (the keyset skips its duplicates too).
        const tail = raw[raw.length - 1];
        position = { indexedAtUs: tail.indexed_at, uri: tail.uri };
      }
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
    });
  }

  /** How many visible posts match the filter (each post once). */
  async count(filter: PostFilter): Promise<number> {
    if (filter.text !== undefined) parseSearchText(filter.text);
    return this.withFiles('count', filter, 0, async (session, files) => {
      const sql = new SqlParams();
      const cte = visiblePostsCte(sql, files, filterConditions(sql, filter));
      const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
      return Number(row.n);
    });
  }

  /** The visible posts among `uris`, in ONE query (for a DataLoader batch). Unknown or hidden uris are absent. */
  async getByUris(uris: readonly string[]): Promise<Map<string, PostRecord>> {
    const wanted = [...new Set(uris)];
    const found = new Map<string, PostRecord>();
    if (wanted.length === 0) return found;
    return this.withFiles('lookup', {}, found, async (session, files) => {
      const sql = new SqlParams();
      const where = [`p.uri IN (SELECT unnest(${sql.bind(listValue(wanted))}::VARCHAR[]))`];
      const cte = visiblePostsCte(sql, files, where);
      for (const r of await session.all(`${cte} SELECT ${POST_SELECT} FROM visible p`, sql.values)) {
        const post = toPostRecord(r);
        found.set(post.uri, post);
      }
      return found;
    });
  }

  /**
   * Writes the newest `limit` visible posts matching the filter to `outPath` as CSV (RFC 4180: header row, CRLF,
   * quotes doubled; text cells neutralised against formula injection), written by DuckDB to a temp name and
   * renamed into place, so a reader never sees half a file. `outPath` is server-generated, never user input.
   */
  async exportCsv(args: ExportArgs, outPath: string): Promise<{ rowCount: number }> {
    const limit = positiveInt(args.limit, 'limit');
    if (args.text !== undefined) parseSearchText(args.text);
    const tmp = `${outPath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const rowCount = await this.withFiles(
        'export',
        args,
        -1,
        async (session, files) => {
          const sql = new SqlParams();
          const cte = visiblePostsCte(sql, files, filterConditions(sql, args));
          const query = `${cte} SELECT ${CSV_SELECT} FROM visible p
            QUALIFY row_number() OVER (PARTITION BY p.uri ORDER BY p.time_us DESC) = 1
            ${ORDER} LIMIT ${limit}`;
          return session.run(`COPY (${query}) TO ${pathLiteral(tmp)} (FORMAT csv, HEADER, NEW_LINE '\r\n')`, sql.values);
        },
        this.exportTimeoutMs,
      );
      if (rowCount < 0) await writeFile(tmp, `${CSV_HEADER}\r\n`); // no data files at all
      await rename(tmp, outPath);
      return { rowCount: Math.max(rowCount, 0) };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Lists the files once, runs `fn` on that set; if DuckDB finds a listed file gone (a compaction deleted it
   * after its grace period), lists again and retries. `empty` is the answer when there are no post files.
   */
  private withFiles<T>(
    kind: QueryKind,
    filter: PostFilter,
    empty: T,
    fn: (session: Session, files: FileSets) => Promise<T>,
    timeoutMs?: number,
  ): Promise<T> {
    return this.pool.use(
      kind,
      async (session) => {
        for (let attempt = 0; ; attempt++) {
          const files = await this.listFiles(filter);
          if (files.posts.length === 0) return empty;
          try {
            return await fn(session, files);
          } catch (err) {
            if (attempt < MAX_RELIST && isMissingFileError(err)) continue;
            throw err;
          }
        }
      },
      timeoutMs,
    );
  }

  private async listFiles(filter: PostFilter): Promise<FileSets> {
    const [posts, tombstones, accounts] = await Promise.all([
      listDataFiles(this.dataDir, 'posts', { fromUs: filter.fromUs, toUs: filter.toUs }),
      // A tombstone is written after its post: those before the range cannot hide anything in it.
      listDataFiles(this.dataDir, 'tombstones', { fromUs: filter.fromUs }),
      // Account status can be any age: the latest row per did decides.
      listDataFiles(this.dataDir, 'accounts'),
    ]);
    return { posts, tombstones, accounts };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
