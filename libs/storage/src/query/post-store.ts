import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { listDataFiles, listPostFiles } from '../layout/list-data-files';
import { isMissingFileError } from '../duckdb/errors';
import { DuckDbPool, type DuckDbPoolOptions, type QueryKind, type Session } from '../duckdb/pool';
import { decodeCursor, encodeCursor } from './cursor';
import { CSV_HEADER } from './csv-export-sql';
import { postSelect, type FileSets, type PostColumnName, type PostFilter, type PostSort } from './post-sql';
import { handlesIn, normalizeHandle, resolveFilter } from './filter';
import { didsOfHandles, handlesOfDids } from './identities';
import { toPostRecord, type PostRecord } from './post-record';
import { lookupRows } from './indexed-reads';
import { AccountStatusCache } from './account-status';
import { ResultCache } from './result-cache';
import { timed, type Timings } from './timings';
import { keyOf } from './search/keys';
import { rowsByKeys } from './search/read-back';
import type { SearchStrategy } from './search/strategy';
import { authorStrategy } from './search/author-strategy';
import { facetStrategy } from './search/facet-strategy';
import { tokenStrategy } from './search/token-strategy';
import { scanStrategy } from './search/scan-strategy';
import { countPosts, type CountLimits, type PostCount } from './count/count-posts';
import { RowCounts } from './count/row-counts';
import { writeCsv } from './export/export-csv';
import {
  checkVolumeRange,
  volumeBuckets,
  volumeCounts,
  type VolumeBucket,
  type VolumeInterval,
} from './aggregations/post-volume';
import { topFacets, type Facet, type FacetKind } from './aggregations/top-facets';
import { PostTail, type PostTailOptions } from '../tail/post-tail';
import { filesWithTail, type TailSnapshot } from '../tail/tail-files';
import { tailTextNarrowing } from './tail-text';
import { TailAccountFold, type FoldedStatus } from '../tail/tail-accounts';

export type { PostCount } from './count/count-posts';
export type { Timings } from './timings';
export type { VolumeBucket, VolumeInterval } from './aggregations/post-volume';
export type { Facet, FacetKind } from './aggregations/top-facets';

export interface PostStoreOptions extends DuckDbPoolOptions {
  /** Timeout of exportCsv (default queryTimeoutMs): an export reads and writes far more than a page. */
  exportTimeoutMs?: number;
  /**
   * Search pages and counts kept per (arguments, exact file set), see ResultCache (default 0: off; e.g. 256).
   * Any new or removed file invalidates every entry over it, so while today's flushes land a cached answer lives
   * only until the next flush. A hit runs no DuckDB query (so it is not observed by onQuery).
   */
  resultCacheSize?: number;
  /** Bounds that keep counts fast at any data size (see countPosts; tests lower them to reach the estimates). */
  countLimits?: CountLimits;
  /**
   * Keep a tail: in-memory tables of what ingest buffered but has not flushed yet (see PostTail), which every query
   * reads with the files, exactly once across the flush boundary. Fed by a TailFollower; absent: files only.
   */
  tail?: PostTailOptions;
}

export interface SearchArgs extends PostFilter {
  /** Page size, ≥ 1 (the API layer enforces its own maximum). */
  first: number;
  /**
   * The columns the caller needs (uri, indexed_at, did and time_us always come): only those are read back, and
   * the other fields of the returned records hold empty values. Default: every column.
   */
  columns?: readonly PostColumnName[];
  /** An opaque cursor from a previous page of the same sort (see postCursor). */
  after?: string;
  /** Default LATEST. */
  sort?: PostSort;
}

export interface SearchPage {
  /** Newest indexed_at first; equal indexed_at by uri descending. */
  rows: PostRecord[];
  hasNextPage: boolean;
}

export interface ExportArgs extends PostFilter {
  /** At most this many rows are written (the first ones in `sort` order). */
  limit: number;
  /** Default LATEST. */
  sort?: PostSort;
}

/** Hard cap on one page, whatever the caller asks (the API's configured maximum is lower). */
const MAX_PAGE = 10_000;

/** The search strategies, most specific first: the first that applies finds the keys (scan always applies). */
const STRATEGIES: readonly SearchStrategy[] = [authorStrategy, facetStrategy, tokenStrategy, scanStrategy];

/** The opaque cursor of a row in a page of `sort` order (for edges and endCursor). */
export function postCursor(row: Pick<PostRecord, 'indexed_at' | 'uri'>, sort: PostSort = 'LATEST'): string {
  return encodeCursor({ indexedAtUs: row.indexed_at, uri: row.uri }, sort);
}

/**
 * Re-listings after a vanished file. One is enough in production (files outlive their replacement by the
 * compaction grace period); a second covers two compactions landing within one query (tests use graceMs 0).
 */
const MAX_RELIST = 2;

const sortOf = (sort: PostSort | undefined): PostSort => {
  if (sort === undefined || sort === 'LATEST' || sort === 'OLDEST') return sort ?? 'LATEST';
  throw new RangeError('sort must be LATEST or OLDEST');
};

function positiveInt(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new RangeError(`${what} must be an integer in 1..${max}`);
  return value;
}

/**
 * The read side over the Parquet files: search (search/: one strategy per index), count (count/), lookup by uri
 * and CSV export (export/), each over a file set listed once (listDataFiles), with every user value bound as a
 * parameter. This class owns what they share: the connection pool, the listing, the result cache and the retry
 * when a compaction removed a listed file.
 */
export class PostStore {
  private readonly rowCounts = new RowCounts();
  private readonly accountStatus = new AccountStatusCache();
  /** The tail's account rows folded into the status tables once per query (not per statement). */
  private readonly tailAccounts = new TailAccountFold();

  private constructor(
    private readonly dataDir: string,
    private readonly pool: DuckDbPool,
    private readonly exportTimeoutMs: number,
    private readonly cache: ResultCache,
    private readonly countLimits: CountLimits,
    /** The not-yet-flushed posts, tombstones and accounts (when the store keeps a tail). */
    readonly tail: PostTail | undefined,
  ) {}

  static async create(options: PostStoreOptions): Promise<PostStore> {
    const pool = await DuckDbPool.create(options);
    const tail = options.tail ? await PostTail.create(await pool.connect(), options.tail) : undefined;
    const store = new PostStore(
      options.dataDir,
      pool,
      options.exportTimeoutMs ?? options.queryTimeoutMs,
      new ResultCache(options.resultCacheSize ?? 0),
      options.countLimits ?? {},
      tail,
    );
    if (tail?.foldsAccounts) tail.onAccountsChanged = () => store.prefold();
    return store;
  }

  private prefolding = false;
  private prefoldAgain = false;

  /**
   * The tail's account rows changed: fold them into the status tables now, for the snapshot queries will take
   * next, instead of in the first query that names it (one at a time; the newest snapshot wins).
   */
  private prefold(): void {
    if (this.prefolding) {
      this.prefoldAgain = true;
      return;
    }
    this.prefolding = true;
    this.pool
      .use('lookup', async (session) => {
        const lease = this.tail?.acquire();
        try {
          if (!lease?.snapshot) return;
          const files = await this.listFiles({}, lease.snapshot);
          const status = await this.accountStatus.tables(session, files.accounts);
          if (status) (await this.tailAccounts.fold(session, status, files.accounts, lease.snapshot))?.release();
        } finally {
          lease?.release();
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.prefolding = false;
        if (this.prefoldAgain) {
          this.prefoldAgain = false;
          this.prefold();
        }
      });
  }

  /** Queries running and queued right now. */
  stats(): { running: number; queued: number } {
    return this.pool.stats();
  }

  /**
   * One page of visible posts matching the filter, newest first: the first strategy that applies finds the keys
   * of the page (plus one, for hasNextPage), then read-back fetches the full rows the strategy did not already
   * read. `timings`, when given, receives the milliseconds per phase.
   */
  async search(args: SearchArgs, timings?: Timings): Promise<SearchPage> {
    const first = positiveInt(args.first, 'first', MAX_PAGE);
    const sort = sortOf(args.sort);
    const after = args.after === undefined ? undefined : decodeCursor(args.after, sort);
    const filter = await this.resolve(args);
    const columns = args.columns ? [...new Set(args.columns)].sort() : undefined;
    const select = postSelect(columns);
    const cacheArgs = { first, after: args.after, sort, ...filter, columns };
    const hit = await this.cachedAnswer<SearchPage>('search', filter, cacheArgs);
    if (hit) return hit;
    return this.withFiles(
      'search',
      filter,
      { rows: [], hasNextPage: false },
      async (session, files) => {
        const known = new Map<string, PostRecord>();
        const strategy = STRATEGIES.find((s) => s.applies(files, filter, sort)) ?? scanStrategy;
        const keys = await strategy.keys({
          session,
          files,
          filter,
          sort,
          after,
          want: first + 1,
          known,
          select,
          timings,
        });
        const page = keys.slice(0, first);
        const missing = page.filter((k) => !known.has(keyOf(k)));
        const rows = await timed(timings, 'readBack', () => rowsByKeys(session, files, missing, filter.author, select));
        for (const r of rows) known.set(keyOf({ indexedAtUs: r.indexed_at, uri: r.uri }), r);
        return { rows: page.map((k) => known.get(keyOf(k)) as PostRecord), hasNextPage: keys.length > first };
      },
      { cacheArgs, timings },
    );
  }

  /**
   * How many visible posts match the filter (each post once), and whether that is exact: see countPosts. Never
   * a full scan of more than EXACT_SCAN_ROWS rows, so never a timeout at any data size.
   */
  async count(filter: PostFilter, timings?: Timings): Promise<PostCount> {
    const args = await this.resolve(filter);
    const hit = await this.cachedAnswer<PostCount>('count', args, args);
    if (hit !== undefined) return hit;
    return this.withFiles(
      'count',
      args,
      { count: 0, exact: true },
      (session, files) => countPosts(session, files, args, this.rowCounts, this.countLimits, timings),
      { cacheArgs: args, timings },
    );
  }

  /** The visible posts among `uris`, in ONE query (for a DataLoader batch). Unknown or hidden uris are absent. */
  async getByUris(uris: readonly string[]): Promise<Map<string, PostRecord>> {
    const wanted = [...new Set(uris)];
    const found = new Map<string, PostRecord>();
    if (wanted.length === 0) return found;
    return this.withFiles('lookup', {}, found, async (session, files) => {
      // Compacted days through by-uri, the rest by scan (see lookupRows).
      for (const r of await lookupRows(session, files, wanted)) {
        const post = toPostRecord(r);
        found.set(post.uri, post);
      }
      return found;
    });
  }

  /**
   * Writes the newest `limit` visible posts matching the filter to `outPath` as CSV (see writeCsv), written by
   * DuckDB to a temp name and renamed into place, so a reader never sees half a file. `outPath` is
   * server-generated, never user input.
   */
  async exportCsv(args: ExportArgs, outPath: string): Promise<{ rowCount: number }> {
    const limit = positiveInt(args.limit, 'limit');
    const sort = sortOf(args.sort);
    const filter = await this.resolve(args);
    const tmp = `${outPath}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const rowCount = await this.withFiles(
        'export',
        filter,
        -1,
        async (session, files) =>
          writeCsv(session, files, filter, limit, tmp, sort, await listDataFiles(this.dataDir, 'identities')),
        { timeoutMs: this.exportTimeoutMs },
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
   * Visible posts matching the filter per UTC minute, hour or day, each post once, empty buckets included from the
   * range's start to its end (an open end: the first or last match). Exact, except over more rows than an exact
   * scan may read: then days with a sample are estimated from it (`exact: false` on their buckets, see
   * aggregateVisible). Throws FilterError past MAX_VOLUME_BUCKETS.
   */
  async postVolume(filter: PostFilter, interval: VolumeInterval, timings?: Timings): Promise<VolumeBucket[]> {
    const args = await this.resolve(filter);
    checkVolumeRange(args, interval);
    // Cached as [start, count] pairs (the cache stores plain copies), under the same rules as counts.
    const cacheArgs = { aggregate: 'volume', interval, ...args };
    type Cached = { counts: [number, number][]; estimatedDates: string[] };
    const answer =
      (await this.cachedAnswer<Cached>('count', args, cacheArgs)) ??
      (await this.withFiles<Cached>(
        'count',
        args,
        { counts: [], estimatedDates: [] },
        async (session, files) => {
          const volume = await timed(timings, 'aggregate', () =>
            volumeCounts(session, files, args, interval, this.aggregateContext),
          );
          return { counts: [...volume.counts], estimatedDates: volume.estimatedDates };
        },
        { cacheArgs, timings },
      ));
    return volumeBuckets({ counts: new Map(answer.counts), estimatedDates: answer.estimatedDates }, args, interval);
  }

  /**
   * The `first` most frequent values of a facet among the visible posts matching the filter, each post once; exact
   * or estimated as postVolume (`exact: false` on every value, ranked by the unrounded estimates).
   */
  async topFacets(filter: PostFilter, facet: FacetKind, first: number, timings?: Timings): Promise<Facet[]> {
    const n = positiveInt(first, 'first', MAX_PAGE);
    const args = await this.resolve(filter);
    const cacheArgs = { aggregate: facet, first: n, ...args };
    const hit = await this.cachedAnswer<Facet[]>('count', args, cacheArgs);
    if (hit) return hit;
    const run = (session: Session, files: FileSets) =>
      timed(timings, 'aggregate', () => topFacets(session, files, args, facet, n, this.aggregateContext));
    return this.withFiles('count', args, [], run, {
      cacheArgs,
      timings,
    });
  }

  /**
   * Each DID's newest handle from the identity events (null when none was seen), in ONE query (for a DataLoader
   * batch of Post.author).
   */
  async handlesOf(dids: readonly string[]): Promise<Map<string, string | null>> {
    const wanted = [...new Set(dids)];
    if (wanted.length === 0) return new Map();
    return this.withIdentities((session, files) => handlesOfDids(session, files, wanted));
  }

  /** Each handle (any case, with or without "@") → the DID that held it most recently; unknown handles are absent. */
  async didsOf(handles: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(handles.map(normalizeHandle).filter((h): h is string => h !== undefined))];
    if (wanted.length === 0) return new Map();
    return this.withIdentities((session, files) => didsOfHandles(session, files, wanted));
  }

  /**
   * The filter in normal form with its handles resolved to DIDs: every syntax error first (no I/O), then one
   * identities query when author, mentions or from: name a handle (UnknownHandleError for one never seen).
   */
  private async resolve(filter: PostFilter): Promise<PostFilter> {
    const checked = resolveFilter(filter);
    const handles = handlesIn(filter);
    if (handles.length === 0) return checked;
    return resolveFilter(filter, await this.didsOf(handles));
  }

  /** `fn` over the identities files listed now, retried with a fresh listing if a compaction swept one. */
  private withIdentities<T>(fn: (session: Session, files: string[]) => Promise<T>): Promise<T> {
    return this.pool.use('lookup', async (session) => {
      for (let attempt = 0; ; attempt++) {
        const files = await listDataFiles(this.dataDir, 'identities');
        try {
          return await fn(session, files);
        } catch (err) {
          if (attempt < MAX_RELIST && isMissingFileError(err)) continue;
          throw err;
        }
      }
    });
  }

  private get aggregateContext() {
    return { rowCounts: this.rowCounts, limits: this.countLimits };
  }

  /**
   * The cached answer of `kind` over `args` for the files listed now, if any: a hit needs only the listing (no
   * connection, no DuckDB query). Misses are stored by withFiles under the listing they were computed from.
   */
  private async cachedAnswer<T>(kind: QueryKind, filter: PostFilter, args: object): Promise<T | undefined> {
    if (!this.cache.enabled) return undefined;
    const files = await this.listFiles(filter, this.tail?.snapshot());
    if (files.posts.length === 0) return undefined;
    return this.cache.get<T>(ResultCache.key(kind, args, [files.posts, files.tombstones, files.accounts]));
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
    options: { timeoutMs?: number; cacheArgs?: object; timings?: Timings } = {},
  ): Promise<T> {
    const { timeoutMs, cacheArgs, timings } = options;
    return this.pool.use(
      kind,
      async (session) => {
        for (let attempt = 0; ; attempt++) {
          // The tail's snapshot before the listing: files it counts as flushed are on disk by then.
          const lease = this.tail?.acquire();
          let folded: FoldedStatus | undefined;
          try {
            const files = await timed(timings, 'listing', () => this.listFiles(filter, lease?.snapshot));
            if (files.posts.length === 0) return empty;
            files.accountStatus = await timed(timings, 'accounts', async () => {
              const status = await this.accountStatus.tables(session, files.accounts);
              if (status && this.tail?.foldsAccounts)
                folded = await this.tailAccounts.fold(session, status, files.accounts, lease?.snapshot);
              return folded?.tables ?? status;
            });
            if (filter.text !== undefined && lease?.snapshot)
              files.tailText = await timed(timings, 'tailIndex', () =>
                tailTextNarrowing(session, this.tail, lease.snapshot, filter, files),
              );
            const result = await fn(session, files);
            // Keyed by the very listing it was computed from.
            if (cacheArgs)
              this.cache.set(ResultCache.key(kind, cacheArgs, [files.posts, files.tombstones, files.accounts]), result);
            return result;
          } catch (err) {
            if (attempt < MAX_RELIST && isMissingFileError(err)) continue;
            throw err;
          } finally {
            folded?.release();
            lease?.release();
          }
        }
      },
      timeoutMs,
    );
  }

  private async listFiles(filter: PostFilter, tail?: TailSnapshot): Promise<FileSets> {
    const [posts, tombstones, accounts] = await Promise.all([
      listPostFiles(this.dataDir, { fromUs: filter.fromUs, toUs: filter.toUs }),
      // A tombstone is written after its post: those before the range cannot hide anything in it.
      listDataFiles(this.dataDir, 'tombstones', { fromUs: filter.fromUs }),
      // Account status can be any age: the latest row per did decides.
      listDataFiles(this.dataDir, 'accounts'),
    ]);
    const files = { posts: posts.all, indexed: posts.indexed, unindexed: posts.unindexed, tombstones, accounts };
    return tail ? filesWithTail(files, tail, filter) : files;
  }

  /**
   * Readiness: a trivial statement through the pool (a connection can be had and DuckDB answers) and a listing of
   * the data folder. Cheap at any data size, unlike a real query.
   */
  async ping(): Promise<void> {
    await this.pool.use('lookup', async (session) => {
      await Promise.all([session.all('SELECT 1 AS ok'), this.listFiles({})]);
    });
  }

  async close(): Promise<void> {
    await this.tail?.close();
    await this.pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
