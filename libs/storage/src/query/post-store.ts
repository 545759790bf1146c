import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { listValue } from '@duckdb/node-api';
import { listDataFiles, listPostFiles } from '../layout/list-data-files';
import { isMissingFileError } from '../duckdb/errors';
import { DuckDbPool, type DuckDbPoolOptions, type QueryKind, type Session } from '../duckdb/pool';
import { decodeCursor, encodeCursor, type PostCursor } from './cursor';
import { CSV_HEADER, CSV_SELECT, pathLiteral } from './csv-export-sql';
import { POST_SELECT, SqlParams, filterConditions, visiblePostsCte, type FileSets, type PostFilter } from './post-sql';
import { toPostRecord, type PostRecord } from './post-record';
import { indexedAuthorRows, keyTimesPredicate, lookupRows } from './indexed-reads';
import { parseSearchText } from './search-text';
import {
  MAX_COUNT_POSTINGS_PER_DAY,
  countWithTokens,
  indexedTextRows,
  planTokenLookup,
  type TokenLookup,
} from './token-reads';
import type { IndexedDay } from '../layout/list-data-files';
import { partitionDate } from '../layout/partition';
import { ResultCache } from './result-cache';
import { filesOverlapping, firstWindowWidth, nextWindowWidth, scanBounds, windowLow } from './time-windows';

export interface PostStoreOptions extends DuckDbPoolOptions {
  /** Timeout of exportCsv (default queryTimeoutMs): an export reads and writes far more than a page. */
  exportTimeoutMs?: number;
  /**
   * Search pages and counts kept per (arguments, exact file set), see ResultCache (default 0: off; e.g. 256).
   * Any new or removed file invalidates every entry over it, so while today's flushes land a cached answer lives
   * only until the next flush. A hit runs no DuckDB query (so it is not observed by onQuery).
   */
  resultCacheSize?: number;
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

/** Two key lists in page order merged into one, without exact duplicates. */
function mergeKeys(a: readonly PostCursor[], b: readonly PostCursor[]): PostCursor[] {
  const all = [...a, ...b].sort(
    (x, y) => y.indexedAtUs - x.indexedAtUs || (x.uri < y.uri ? 1 : x.uri > y.uri ? -1 : 0),
  );
  return all.filter((k, i) => i === 0 || k.indexedAtUs !== all[i - 1].indexedAtUs || k.uri !== all[i - 1].uri);
}

/** The posts files a text search must scan: flush files and compacted days without token files. */
function filesWithoutTokens(files: FileSets): string[] {
  return [...(files.unindexed ?? []), ...(files.indexed ?? []).filter((d) => !d.tokens).flatMap((d) => d.files)];
}

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

const DAY_US = 86_400_000_000;

/** dataEnd reads statistics of at most this many files (a compacted day has one or a few). */
const MAX_STAT_FILES = 8;

function positiveInt(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new RangeError(`${what} must be an integer in 1..${max}`);
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
    private readonly cache: ResultCache,
  ) {}

  static async create(options: PostStoreOptions): Promise<PostStore> {
    const pool = await DuckDbPool.create(options);
    return new PostStore(
      options.dataDir,
      pool,
      options.exportTimeoutMs ?? options.queryTimeoutMs,
      new ResultCache(options.resultCacheSize ?? 0),
    );
  }

  /** Queries running and queued right now. */
  stats(): { running: number; queued: number } {
    return this.pool.stats();
  }

  /**
   * One page of visible posts matching the filter, newest first.
   *
   * Files are sorted by indexed_at within a day, so the newest matches sit in the last row groups. DuckDB's top-N
   * still reads every row group, so the page is found window by window, newest first (5 min, then sized from the
   * matches seen so far, see nextWindowWidth; the rest in one go when little is left, see windowLow): a common term
   * is answered from the last minutes' row groups (Parquet min/max statistics skip the rest), a rare one costs one
   * full scan in a few queries. Each window query reads only the key columns; the full rows of the
   * page are fetched at the end by key, from the few row groups that hold them.
   */
  async search(args: SearchArgs): Promise<SearchPage> {
    const first = positiveInt(args.first, 'first', MAX_PAGE);
    const after = args.after === undefined ? undefined : decodeCursor(args.after);
    if (args.text !== undefined) parseSearchText(args.text); // syntax errors before any I/O
    const cacheArgs = {
      first,
      after: args.after,
      text: args.text,
      fromUs: args.fromUs,
      toUs: args.toUs,
      author: args.author,
    };
    const hit = await this.cachedAnswer<SearchPage>('search', args, cacheArgs);
    if (hit) return hit;
    return this.withFiles(
      'search',
      args,
      { rows: [], hasNextPage: false },
      async (session, files) => {
        const want = first + 1; // one more than asked tells whether a next page exists
        let keys: PostCursor[];
        // Full rows already read (through the side files), by "indexed_at uri".
        const known = new Map<string, PostRecord>();
        if (args.author !== undefined && files.indexed?.length) {
          // Author searches read the compacted days through by-author, and scan only what has no side files.
          const author = { ...args, author: args.author };
          const fromIndex = await indexedAuthorRows(session, files, author, after, want);
          for (const r of fromIndex) known.set(`${r.indexed_at} ${r.uri}`, r);
          const rest = files.unindexed?.length
            ? await this.scanKeys(session, { ...files, posts: files.unindexed }, args, after, want)
            : [];
          keys = mergeKeys(
            fromIndex.map((r) => ({ indexedAtUs: r.indexed_at, uri: r.uri })),
            rest,
          );
        } else if (args.text !== undefined && files.indexed?.some((d) => d.tokens)) {
          keys = await this.textKeys(session, files, { ...args, text: args.text }, after, want, known);
        } else {
          keys = await this.scanKeys(session, files, args, after, want);
        }
        const page = keys.slice(0, first);
        const missing = page.filter((k) => !known.has(`${k.indexedAtUs} ${k.uri}`));
        for (const r of await this.rowsByKeys(session, files, missing, args.author))
          known.set(`${r.indexed_at} ${r.uri}`, r);
        return {
          rows: page.map((k) => known.get(`${k.indexedAtUs} ${k.uri}`) as PostRecord),
          hasNextPage: keys.length > first,
        };
      },
      undefined,
      cacheArgs,
    );
  }

  /**
   * Keys of the first `want` visible matches of a text search (no author) after `after`: the days with token files
   * through them, newest first in chunks of 1, 2, 4… days (a page of a word found on the newest days never reads
   * the vocabularies of older ones; a chunk whose tokens cannot help is scanned), merged with a scan of the files
   * without token files. Rows read whole on the way go into `known`.
   */
  private async textKeys(
    session: Session,
    files: FileSets,
    args: PostFilter & { text: string },
    after: PostCursor | undefined,
    want: number,
    known: Map<string, PostRecord>,
  ): Promise<PostCursor[]> {
    const indexed = files.indexed ?? [];
    const lastDate = after ? partitionDate(after.indexedAtUs) : undefined;
    const days = indexed
      .filter((d) => d.tokens && (lastDate === undefined || d.date <= lastDate))
      .sort((a, b) => (a.date < b.date ? 1 : -1));
    const scanned = filesWithoutTokens(files);
    const rest = scanned.length ? await this.scanKeys(session, { ...files, posts: scanned }, args, after, want) : [];
    const found: PostCursor[] = [];
    for (let i = 0, size = 1; i < days.length && found.length < want; i += size, size *= 2) {
      const chunk = days.slice(i, i + size);
      const lookup = await planTokenLookup(session, chunk, args.text);
      if (!lookup) {
        const chunkFiles = { ...files, posts: chunk.flatMap((d) => d.files) };
        found.push(...(await this.scanKeys(session, chunkFiles, args, after, want - found.length)));
        continue;
      }
      for (const r of await indexedTextRows(session, files, chunk, lookup, args, after, want - found.length)) {
        known.set(`${r.indexed_at} ${r.uri}`, r);
        found.push({ indexedAtUs: r.indexed_at, uri: r.uri });
      }
    }
    return mergeKeys(found, rest);
  }

  /** Keys of the first `want` visible matches after `after` in `files`, newest first, window by window. */
  private async scanKeys(
    session: Session,
    files: FileSets,
    args: PostFilter,
    after: PostCursor | undefined,
    want: number,
  ): Promise<PostCursor[]> {
    const keys: PostCursor[] = [];
    let position: PostCursor | undefined = after;
    const bounds = scanBounds(files.posts, args.fromUs, args.toUs);
    const windowed = Number.isFinite(bounds.lo) && Number.isFinite(bounds.hi);
    let hi = after
      ? Math.min(bounds.hi, after.indexedAtUs + 1)
      : windowed
        ? await this.dataEnd(session, files.posts, bounds.hi)
        : bounds.hi;
    let width = firstWindowWidth(hi, Date.now() * 1000);
    while (keys.length < want && (!windowed || hi > bounds.lo)) {
      const lo = windowed ? windowLow(hi, width, bounds.lo) : undefined;
      const windowFiles: FileSets = windowed
        ? {
            ...files,
            posts: filesOverlapping(files.posts, lo as number, hi),
            tombstones: filesOverlapping(files.tombstones, lo as number, Number.POSITIVE_INFINITY),
          }
        : files;
      const need = want - keys.length;
      const raw = windowFiles.posts.length
        ? await this.pageKeys(session, windowFiles, windowed ? { ...args, fromUs: lo, toUs: hi } : args, position, need)
        : [];
      for (const k of raw) {
        // The same version twice (a replayed flush not yet compacted) sits next to itself in this order.
        const last = keys.at(-1);
        if (last && last.uri === k.uri && last.indexedAtUs === k.indexedAtUs) continue;
        keys.push(k);
      }
      if (raw.length === need) {
        // The window may hold more: go on after the last row seen (the keyset also skips its duplicates).
        position = raw[raw.length - 1];
        continue;
      }
      if (!windowed) break;
      hi = lo as number;
      width = nextWindowWidth(width, raw.length, want - keys.length);
    }
    return keys;
  }

  /**
   * Where the data of a newest-first scan really ends: `hi` (a partition end), or just after the greatest
   * indexed_at of the newest partition's files when that is earlier — a closed day whose posts stop before
   * midnight would otherwise cost an empty first window and a 16× wider second one. Read from Parquet statistics
   * (one single-file max per file, which DuckDB answers without reading rows: a few ms); skipped for a partition
   * of many files (today's flushes: the first window already starts at "now").
   */
  private async dataEnd(session: Session, files: string[], hi: number): Promise<number> {
    const newest = filesOverlapping(files, hi - 1, hi);
    if (newest.length === 0 || newest.length > MAX_STAT_FILES) return hi;
    const sql = new SqlParams();
    const maxes = newest.map((f) => `SELECT max(indexed_at) AS m FROM ${sql.files([f])}`).join(' UNION ALL ');
    const [row] = await session.all(`SELECT epoch_us(max(m)) AS m FROM (${maxes})`, sql.values);
    // Partitions are by indexed_at day: older partitions hold only earlier rows.
    return row?.m === null || row?.m === undefined ? hi : Math.min(hi, Number(row.m) + 1);
  }

  /** Keys of the next `limit` visible matches after `position`, in page order (duplicates included). */
  private async pageKeys(
    session: Session,
    files: FileSets,
    filter: PostFilter,
    position: PostCursor | undefined,
    limit: number,
  ): Promise<PostCursor[]> {
    const sql = new SqlParams();
    const cte = visiblePostsCte(sql, files, filterConditions(sql, filter, position), filter.fromUs);
    // LIMIT is a validated integer spliced as a constant: DuckDB plans a top-N only for a constant limit.
    const rows = await session.all(
      `${cte} SELECT epoch_us(p.indexed_at) AS indexed_at, p.uri FROM visible p ${ORDER} LIMIT ${limit}`,
      sql.values,
    );
    return rows.map((r) => ({ indexedAtUs: Number(r.indexed_at), uri: r.uri as string }));
  }

  /** The full rows of `keys` (visible versions, already decided), in the keys' order. */
  private async rowsByKeys(
    session: Session,
    files: FileSets,
    keys: PostCursor[],
    author?: string,
  ): Promise<PostRecord[]> {
    if (keys.length === 0) return [];
    const times = keys.map((k) => k.indexedAtUs);
    const fromUs = Math.min(...times);
    const toUs = Math.max(...times) + 1;
    const sql = new SqlParams();
    // The author (when searched by) is a cheap first filter: DuckDB reads the wide columns only where it passes.
    const where = filterConditions(sql, { fromUs, toUs, author });
    // Keys may spread over the whole range (an author's posts): skip the row groups that hold none of them.
    where.push(keyTimesPredicate(sql, keys));
    where.push(`p.uri IN (SELECT unnest(${sql.bind(listValue(keys.map((k) => k.uri)))}::VARCHAR[]))`);
    const posts = filesOverlapping(files.posts, fromUs, toUs);
    const rows = await session.all(
      `SELECT ${POST_SELECT} FROM ${sql.files(posts)} p WHERE ${where.join(' AND ')}`,
      sql.values,
    );
    const byKey = new Map<string, PostRecord>();
    for (const r of rows) {
      const post = toPostRecord(r);
      byKey.set(`${post.indexed_at} ${post.uri}`, post);
    }
    return keys.map((k) => {
      const post = byKey.get(`${k.indexedAtUs} ${k.uri}`);
      // The key came from this very file set a moment ago, on this connection.
      if (!post) throw new Error(`post ${k.uri} vanished between key and row fetch`);
      return post;
    });
  }

  /** How many visible posts match the filter (each post once). */
  async count(filter: PostFilter): Promise<number> {
    if (filter.text !== undefined) parseSearchText(filter.text);
    const cacheArgs = { text: filter.text, fromUs: filter.fromUs, toUs: filter.toUs, author: filter.author };
    const hit = await this.cachedAnswer<number>('count', filter, cacheArgs);
    if (hit !== undefined) return hit;
    return this.withFiles(
      'count',
      filter,
      0,
      async (session, files) => {
        const tokens = await this.tokenPlan(session, files, filter);
        if (tokens && tokens.lookup.postings <= MAX_COUNT_POSTINGS_PER_DAY * tokens.days.length) {
          return countWithTokens(session, files, tokens.days, tokens.lookup, filter, tokens.rest);
        }
        const sql = new SqlParams();
        const cte = visiblePostsCte(sql, files, filterConditions(sql, filter), filter.fromUs);
        const [row] = await session.all(`${cte} SELECT count(DISTINCT p.uri) AS n FROM visible p`, sql.values);
        return Number(row.n);
      },
      undefined,
      cacheArgs,
    );
  }

  /**
   * For a text search without author: the days whose token files can narrow it (see planTokenLookup) and the
   * files left to scan; undefined when the token files cannot help (then everything is scanned).
   */
  private async tokenPlan(
    session: Session,
    files: FileSets,
    filter: PostFilter,
  ): Promise<{ days: IndexedDay[]; lookup: TokenLookup; rest: string[] } | undefined> {
    if (filter.text === undefined || filter.author !== undefined || !files.indexed?.length) return undefined;
    const days = files.indexed.filter((d) => d.tokens);
    const lookup = await planTokenLookup(session, days, filter.text);
    if (!lookup) return undefined;
    return { days, lookup, rest: filesWithoutTokens(files) };
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
          // Formatting and sorting every matching row before the LIMIT costs minutes at a day of data. First find
          // the indexed_at of the limit-th newest match (exportEdge), then format only rows from there on.
          // 5 % slack for hidden and duplicated rows, so one pass is usually enough.
          let skip = Math.ceil(limit * 1.05) - 1;
          for (;;) {
            const edge = await this.exportEdge(session, files, args, skip);
            const fromUs = edge ? Math.max(Number(edge.t), args.fromUs ?? Number.MIN_SAFE_INTEGER) : args.fromUs;
            const filter = { ...args, fromUs };
            const sql = new SqlParams();
            const cte = visiblePostsCte(sql, files, filterConditions(sql, filter), fromUs);
            // DISTINCT ON the sort key drops exact duplicates (one version twice); older versions are hidden already.
            const query = `${cte} SELECT DISTINCT ON (p.indexed_at, p.uri) ${CSV_SELECT} FROM visible p ${ORDER} LIMIT ${limit}`;
            const written = await session.run(
              `COPY (${query}) TO ${pathLiteral(tmp)} (FORMAT csv, HEADER, NEW_LINE '\r\n')`,
              sql.values,
            );
            // Fewer rows than asked although older matches exist: hidden or duplicated rows took room; widen.
            if (written >= limit || !edge) return written;
            skip = Math.ceil(((skip + 1) * limit * 1.1) / Math.max(written, 1));
          }
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
   * The indexed_at row of the (skip+1)-th newest match, or undefined when there are fewer matches: a one-column
   * top-N over the newest day's files, then the newest 4, 16… days until found (counted before visibility: cheap,
   * no uri read; hidden rows only move it earlier). At a month, one top-N over every file cost ~10 s more.
   */
  private async exportEdge(session: Session, files: FileSets, args: PostFilter, skip: number) {
    const bounds = scanBounds(files.posts, args.fromUs, args.toUs);
    for (let days = 1; ; days *= 4) {
      const lo = Number.isFinite(bounds.hi) ? Math.max(bounds.lo, bounds.hi - days * DAY_US) : bounds.lo;
      const whole = !(lo > bounds.lo);
      const sql = new SqlParams();
      const where = filterConditions(sql, whole ? args : { ...args, fromUs: lo });
      const scope = whole ? files.posts : filesOverlapping(files.posts, lo, bounds.hi);
      const [edge] = await session.all(
        `SELECT epoch_us(p.indexed_at) AS t FROM ${sql.files(scope)} p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY p.indexed_at DESC LIMIT 1 OFFSET ${skip}`,
        sql.values,
      );
      if (edge || whole) return edge;
    }
  }

  /**
   * Lists the files once, runs `fn` on that set; if DuckDB finds a listed file gone (a compaction deleted it
   * after its grace period), lists again and retries. `empty` is the answer when there are no post files.
   */
  /**
   * The cached answer of `kind` over `args` for the files listed now, if any: a hit needs only the listing (no
   * connection, no DuckDB query). Misses are stored by withFiles under the listing they were computed from.
   */
  private async cachedAnswer<T>(kind: QueryKind, filter: PostFilter, args: object): Promise<T | undefined> {
    if (!this.cache.enabled) return undefined;
    const files = await this.listFiles(filter);
    if (files.posts.length === 0) return undefined;
    return this.cache.get<T>(ResultCache.key(kind, args, [files.posts, files.tombstones, files.accounts]));
  }

  private withFiles<T>(
    kind: QueryKind,
    filter: PostFilter,
    empty: T,
    fn: (session: Session, files: FileSets) => Promise<T>,
    timeoutMs?: number,
    cacheArgs?: object,
  ): Promise<T> {
    const keyOf = (files: FileSets) =>
      cacheArgs && ResultCache.key(kind, cacheArgs, [files.posts, files.tombstones, files.accounts]);
    return this.pool.use(
      kind,
      async (session) => {
        for (let attempt = 0; ; attempt++) {
          const files = await this.listFiles(filter);
          if (files.posts.length === 0) return empty;
          try {
            const result = await fn(session, files);
            // Keyed by the very listing it was computed from.
            const key = keyOf(files);
            if (key !== undefined) this.cache.set(key, result);
            return result;
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
      listPostFiles(this.dataDir, { fromUs: filter.fromUs, toUs: filter.toUs }),
      // A tombstone is written after its post: those before the range cannot hide anything in it.
      listDataFiles(this.dataDir, 'tombstones', { fromUs: filter.fromUs }),
      // Account status can be any age: the latest row per did decides.
      listDataFiles(this.dataDir, 'accounts'),
    ]);
    return { posts: posts.all, indexed: posts.indexed, unindexed: posts.unindexed, tombstones, accounts };
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
    await this.pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
