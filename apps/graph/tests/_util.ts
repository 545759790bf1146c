import type { PostRow, TableRow } from '@bsky-explorer/schema';
import { writeFlushBatch, type QueryObservation } from '@bsky-explorer/storage';
import { makeTempDir, postRow } from '@bsky-explorer/testing';
import { loadConfig, type GraphConfig } from '../src/config';
import { createGraph, type Graph } from '../src/graph';
import { pino, type Logger } from 'pino';

// Shared helpers of the graph integration tests: real Parquet files (libs/storage's writer) in a temp DATA_DIR,
// the real PostStore over DuckDB, requests through yoga.fetch or real HTTP.

export const SECRET = 'test-signing-secret-0123456789abcdef';
export const DAY_US = 86_400_000_000;
/** 2024-05-01T00:00:00Z in µs. */
export const T0 = Date.UTC(2024, 4, 1) * 1000;

let seq = 0;

/** A post row (libs/testing's postRow) by alice with empty text; `rkey` and `did` determine the uri. */
export function post(fields: Partial<PostRow> = {}): PostRow {
  const rkey = fields.rkey ?? `r${String(++seq).padStart(6, '0')}`;
  const indexed_at = fields.indexed_at ?? T0 + seq * 1_000_000;
  return postRow(seq, {
    did: 'did:plc:alice',
    rkey,
    cid: `bafy${rkey}`,
    rev: `rev${rkey}`,
    text: '',
    indexed_at,
    ...fields,
  });
}

let batch = 0;

/** Writes one flush (any tables) as real zstd Parquet through libs/storage. */
export async function writeRows(dataDir: string, rows: TableRow[]): Promise<void> {
  batch++;
  await writeFlushBatch(dataDir, { firstId: `${batch}-0`, lastId: `${batch}-${rows.length}`, rows });
}

export const asPosts = (rows: PostRow[]): TableRow[] => rows.map((row) => ({ table: 'posts', row }));

export interface TestGraph {
  graph: Graph;
  config: GraphConfig;
  dataDir: string;
  queries: QueryObservation[];
  /** POST /graphql through yoga.fetch; returns the parsed body and the status. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  /** POST /graphql over real HTTP (the graph must be listening: `listen: true` or graph.start()). */
  http<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<HttpGqlResponse<T>>;
  close(): Promise<void>;
}

export interface GqlError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: (string | number)[];
}

export interface GqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: GqlError[];
}

export interface HttpGqlResponse<T> extends GqlResponse<T> {
  headers: Headers;
}

export interface TestGraphOptions {
  /** Start the HTTP server (for tests that use `http`). */
  listen?: boolean;
  /** A logger to inspect (default: createLogger(LOG_LEVEL), silent in tests). */
  logger?: Logger;
}

/** A debug-level pino logger that keeps its JSON lines in memory. */
export function memoryLogger(): { logger: Logger; lines: () => LogLine[] } {
  const out: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => out.push(line) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as LogLine) };
}

export interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  [k: string]: unknown;
}

/** A graph over a fresh DATA_DIR holding `rows`; env entries override the test defaults. */
export async function startTestGraph(
  rows: TableRow[] = [],
  env: Record<string, string> = {},
  options: TestGraphOptions = {},
): Promise<TestGraph> {
  const dir = await makeTempDir('bsky-graph-');
  if (rows.length > 0) await writeRows(dir.path, rows);
  const config = loadConfig({
    DATA_DIR: dir.path,
    GRAPH_PORT: '0',
    GRAPH_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    EXPORT_SIGNING_SECRET: SECRET,
    DUCKDB_THREADS: '1',
    QUERY_TIMEOUT_MS: '20000',
    // Off, so tests can count the DuckDB queries a request runs; the cache has its own test.
    SEARCH_CACHE_SIZE: '0',
    // Tests send many requests from one client; the rate limit has its own tests.
    GRAPH_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const queries: QueryObservation[] = [];
  const graph = await createGraph(config, { onQuery: (q) => queries.push(q), logger: options.logger });
  if (options.listen) await graph.start();
  return {
    graph,
    config,
    dataDir: dir.path,
    queries,
    async gql<T>(query: string, variables?: Record<string, unknown>) {
      const res = await graph.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: GqlError[] };
      return { status: res.status, ...body };
    },
    async http<T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
      const res = await fetch(`${graph.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: GqlError[] };
      return { status: res.status, headers: res.headers, ...body };
    },
    async close() {
      await graph.stop();
      await dir.remove();
    },
  };
}

export const SEARCH = /* GraphQL */ `
  query Search($text: String, $dateRange: DateRangeInput, $author: String, $first: Int, $after: String) {
    searchPosts(text: $text, dateRange: $dateRange, author: $author, first: $first, after: $after) {
      edges {
        cursor
        node {
          uri
          text
          authorDid
          indexedAt
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

export interface SearchData {
  searchPosts: {
    edges: { cursor: string; node: { uri: string; text: string; authorDid: string; indexedAt: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  };
}

/** The uris a search returns (fails the test on errors). */
export async function searchUris(t: TestGraph, variables: Record<string, unknown>): Promise<string[]> {
  const res = await t.gql<SearchData>(SEARCH, { first: t.config.searchMaxPageSize, ...variables });
  if (res.errors) throw new Error(`unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data!.searchPosts.edges.map((e) => e.node.uri);
}

/** Expected order of the API: indexed_at DESC, then uri DESC. */
export function newestFirst(rows: PostRow[]): string[] {
  return [...rows]
    .sort((a, b) => b.indexed_at - a.indexed_at || (a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0))
    .map((r) => r.uri);
}
