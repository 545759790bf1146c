import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  boolean,
  byteSize,
  ConfigError,
  integer,
  oneOf,
  optionalInteger,
  origins,
  parseEnv,
  text,
  url,
  type Env,
  type Values,
} from '@bsky-explorer/config';

// Configuration of the graph service, read once at boot from the environment by @bsky-explorer/config (zod). Every
// problem is collected and reported together (ConfigError); tests pass an env object instead of mutating
// process.env.

export { ConfigError };

export interface GraphConfig {
  nodeEnv: string;
  host: string;
  port: number;
  dataDir: string;
  publicUrl: string;
  exportDir: string;
  /** Secret material: never logged. */
  exportSigningSecret: string;
  exportTtlSeconds: number;
  exportMaxRows: number;
  exportSweepIntervalMs: number;
  searchDefaultPageSize: number;
  searchMaxPageSize: number;
  queryTimeoutMs: number;
  exportTimeoutMs: number;
  searchCacheSize: number;
  logLevel: string;
  duckdbThreads: number | undefined;
  /** DuckDB memory_limit (e.g. 4GB); undefined: DuckDB's default, 80 % of RAM. */
  duckdbMemoryLimit: string | undefined;
  duckdbPoolSize: number;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxRootFields: number;
  /** Aliases per operation (each alias repeats a field's output). */
  maxAliases: number;
  /** Lexical tokens per document: parsing stops at this many (graphql-js maxTokens). */
  maxTokens: number;
  /** Characters of a GraphQL document, checked before parsing. */
  maxDocumentBytes: number;
  /** Bytes of a request body, checked from Content-Length before reading it. */
  maxBodyBytes: number;
  /** Origins allowed to call the API from a browser (CORS); empty: none, same-origin only. Never with credentials. */
  corsOrigins: string[];
  introspection: boolean;
  graphiql: boolean;
  /** Per-phase store timings in each response's extensions.timings (benchmarks, diagnosis; off by default). */
  timings: boolean;
  /** Port of the separate /metrics listener; undefined: /metrics on the API port (development default). */
  metricsPort: number | undefined;
  /** Proxies in front that append to X-Forwarded-For (Caddy: 1); 0 trusts only the socket address. */
  trustedProxyHops: number;
  /** GraphQL operations executing at once; more wait in a queue. */
  maxConcurrentOperations: number;
  /** Operations waiting; past it a new one is refused at once with SERVER_BUSY. */
  maxQueuedOperations: number;
  /** How long an operation may wait for its turn before SERVER_BUSY. */
  maxQueueWaitMs: number;
  /** Operations per client and minute (0: no limit), with this burst. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  exportMaxConcurrent: number;
  exportMaxConcurrentPerClient: number;
  /** Rows one client may export per sliding hour (0: no limit). */
  exportRowsPerHourPerClient: number;
  /** Total bytes of export files kept; past it the oldest are removed (0: no limit). */
  exportMaxDiskBytes: number;
  /** Ingest's Redis: the tail of posts buffered but not yet flushed (freshness); undefined: Parquet files only. */
  redisUrl: string | undefined;
  /** Ingest's REDIS_KEY_PREFIX (the stream and flushed-through keys). */
  redisKeyPrefix: string;
  /** Rows the tail holds at most (all tables); past it new posts wait for the next flush. */
  tailMaxRows: number;
  /** JSON bytes of stream entries the tail holds at most. */
  tailMaxBytes: number;
  /** Non-fatal notes for the operator (e.g. a generated signing secret). */
  warnings: string[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const MIN_SECRET_LENGTH = 32;
/** The placeholder infra/compose/.env.example ships, and words that mark a value as one. */
const PLACEHOLDER_RE = /change-?me|placeholder|example|secret|replace|xxxx/i;
const MIN_SECRET_DISTINCT_CHARS = 10;

/**
 * Why a signing secret is unfit for production, or undefined. A value copied from documentation, short, or made of
 * few distinct characters lets anyone who guesses it sign export links.
 */
export function weakSecretReason(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH)
    return `it is ${secret.length} characters long; use at least ${MIN_SECRET_LENGTH}`;
  if (PLACEHOLDER_RE.test(secret)) return 'it looks like a documentation placeholder';
  if (new Set(secret).size < MIN_SECRET_DISTINCT_CHARS) return 'it is made of too few distinct characters';
  return undefined;
}

/**
 * Every variable, its default and its bounds (README "Configuration" has the table). Defaults that depend on other
 * variables (PUBLIC_URL, EXPORT_DIR, the production-only ones, GRAPH_MAX_CONCURRENT_OPERATIONS,
 * GRAPH_MAX_QUEUE_WAIT_MS) are unset here and derived in loadConfig.
 */
const SCHEMA = {
  NODE_ENV: text('development'),
  GRAPH_PORT: integer(4000, 0, 65_535),
  GRAPH_HOST: text('0.0.0.0'),
  DATA_DIR: text('./data'),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: text('ingest:'),
  GRAPH_TAIL: boolean(true),
  TAIL_MAX_ROWS: integer(1_000_000, 1),
  TAIL_MAX_BYTES: integer(512 * 1024 ** 2, 1024),
  PUBLIC_URL: url(['http:', 'https:']),
  EXPORT_DIR: text(),
  EXPORT_SIGNING_SECRET: text(),
  EXPORT_TTL_SECONDS: integer(3600, 1),
  EXPORT_MAX_ROWS: integer(1_000_000, 1),
  EXPORT_SWEEP_INTERVAL_MS: integer(60_000, 100),
  EXPORT_MAX_CONCURRENT: integer(2, 1, 64),
  EXPORT_MAX_CONCURRENT_PER_CLIENT: integer(1, 1, 64),
  EXPORT_ROWS_PER_HOUR_PER_CLIENT: integer(2_000_000, 0),
  EXPORT_MAX_DISK_BYTES: integer(10 * 1024 ** 3, 0),
  SEARCH_DEFAULT_PAGE_SIZE: integer(50, 1),
  SEARCH_MAX_PAGE_SIZE: integer(1000, 1),
  QUERY_TIMEOUT_MS: integer(10_000, 1),
  EXPORT_TIMEOUT_MS: integer(120_000, 1),
  SEARCH_CACHE_SIZE: integer(256, 0, 100_000),
  DUCKDB_THREADS: optionalInteger(1, 1024),
  DUCKDB_MEMORY_LIMIT: byteSize(),
  DUCKDB_POOL_SIZE: integer(4, 1, 64),
  GRAPH_MAX_CONCURRENT_OPERATIONS: optionalInteger(1, 1024),
  GRAPH_MAX_QUEUED_OPERATIONS: integer(64, 0, 100_000),
  GRAPH_MAX_QUEUE_WAIT_MS: optionalInteger(0, 600_000),
  GRAPH_RATE_LIMIT_PER_MINUTE: integer(120, 0),
  GRAPH_RATE_LIMIT_BURST: integer(30, 1),
  GRAPH_TRUSTED_PROXY_HOPS: integer(0, 0, 10),
  GRAPH_CORS_ORIGINS: origins(),
  GRAPH_INTROSPECTION: boolean(),
  GRAPH_GRAPHIQL: boolean(),
  GRAPH_TIMINGS: boolean(false),
  GRAPH_METRICS_PORT: optionalInteger(0, 65_535),
  GRAPH_MAX_QUERY_DEPTH: integer(10, 2, 100),
  GRAPH_MAX_QUERY_COST: integer(75_000, 10),
  GRAPH_MAX_ALIASES: integer(15, 0, 1000),
  GRAPH_MAX_ROOT_FIELDS: integer(5, 1, 100),
  GRAPH_MAX_TOKENS: integer(2000, 100, 1_000_000),
  GRAPH_MAX_DOCUMENT_BYTES: integer(16_384, 256, 16_777_216),
  GRAPH_MAX_BODY_BYTES: integer(65_536, 1024, 67_108_864),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
};

/** The variables loadConfig reads (tests check that each has a row and a README line). */
export const CONFIG_VARIABLES = Object.keys(SCHEMA) as readonly string[];

type Parsed = Partial<Values<typeof SCHEMA>>;

const isProduction = (v: Parsed) => v.NODE_ENV === 'production';

/** Production serves /metrics on its own port by default; development on the API port. */
const metricsPortOf = (v: Parsed) => v.GRAPH_METRICS_PORT ?? (isProduction(v) ? 9465 : undefined);

/** Waiting for a turn is part of the query's time: by default at most half of it (and 5 s), and never all of it. */
const queueWaitOf = (wait: number | undefined, queryTimeoutMs: number) =>
  wait ?? Math.min(5000, Math.floor(queryTimeoutMs / 2));

const SECRET_ADVICE = 'generate one with `openssl rand -hex 32`';

/** Rules across variables, run on those that parsed; each returns its problem or nothing. */
function checks(v: Parsed): (string | false | undefined)[] {
  const secret = v.EXPORT_SIGNING_SECRET;
  const weak = secret === undefined ? undefined : weakSecretReason(secret);
  const metricsPort = metricsPortOf(v);
  const timeout = v.QUERY_TIMEOUT_MS;
  const queueWait = timeout === undefined ? undefined : queueWaitOf(v.GRAPH_MAX_QUEUE_WAIT_MS, timeout);
  return [
    secret === undefined &&
      isProduction(v) &&
      'EXPORT_SIGNING_SECRET is required when NODE_ENV=production (e.g. `openssl rand -hex 32`)',
    // A short secret is refused everywhere; a long but guessable one only in production (a warning otherwise).
    secret !== undefined &&
      weak !== undefined &&
      (isProduction(v) || secret.length < MIN_SECRET_LENGTH) &&
      `EXPORT_SIGNING_SECRET is unsafe: ${weak}; ${SECRET_ADVICE}`,
    v.SEARCH_DEFAULT_PAGE_SIZE !== undefined &&
      v.SEARCH_MAX_PAGE_SIZE !== undefined &&
      v.SEARCH_DEFAULT_PAGE_SIZE > v.SEARCH_MAX_PAGE_SIZE &&
      `SEARCH_DEFAULT_PAGE_SIZE (${v.SEARCH_DEFAULT_PAGE_SIZE}) must not exceed SEARCH_MAX_PAGE_SIZE (${v.SEARCH_MAX_PAGE_SIZE})`,
    metricsPort !== undefined &&
      metricsPort !== 0 &&
      metricsPort === v.GRAPH_PORT &&
      'GRAPH_METRICS_PORT must differ from GRAPH_PORT (metrics stay off the public API port)',
    queueWait !== undefined &&
      timeout !== undefined &&
      queueWait >= timeout &&
      `GRAPH_MAX_QUEUE_WAIT_MS (${queueWait}) must be below QUERY_TIMEOUT_MS (${timeout}): the wait counts against the timeout`,
  ];
}

/** Parses and validates the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): GraphConfig {
  const v = parseEnv(SCHEMA, env, checks);
  const production = isProduction(v);
  const warnings: string[] = [];

  let exportSigningSecret = v.EXPORT_SIGNING_SECRET;
  if (exportSigningSecret === undefined) {
    warnings.push(
      'EXPORT_SIGNING_SECRET is not set: using a random per-process secret; export links die with the process',
    );
    exportSigningSecret = randomBytes(32).toString('hex');
  } else {
    const weak = weakSecretReason(exportSigningSecret);
    if (weak)
      warnings.push(`EXPORT_SIGNING_SECRET is unsafe: ${weak}; ${SECRET_ADVICE} (refused when NODE_ENV=production)`);
  }

  const introspection = v.GRAPH_INTROSPECTION ?? !production;
  const graphiql = v.GRAPH_GRAPHIQL ?? !production;
  if (graphiql && !introspection)
    warnings.push('GRAPH_GRAPHIQL is on but GRAPH_INTROSPECTION is off: GraphiQL cannot load the schema');

  const dataDir = resolve(v.DATA_DIR);
  return {
    nodeEnv: v.NODE_ENV,
    host: v.GRAPH_HOST,
    port: v.GRAPH_PORT,
    dataDir,
    publicUrl: (v.PUBLIC_URL ?? `http://localhost:${v.GRAPH_PORT}`).replace(/\/+$/, ''),
    exportDir: resolve(v.EXPORT_DIR ?? join(dataDir, 'exports')),
    exportSigningSecret,
    exportTtlSeconds: v.EXPORT_TTL_SECONDS,
    exportMaxRows: v.EXPORT_MAX_ROWS,
    exportSweepIntervalMs: v.EXPORT_SWEEP_INTERVAL_MS,
    searchDefaultPageSize: v.SEARCH_DEFAULT_PAGE_SIZE,
    searchMaxPageSize: v.SEARCH_MAX_PAGE_SIZE,
    queryTimeoutMs: v.QUERY_TIMEOUT_MS,
    exportTimeoutMs: v.EXPORT_TIMEOUT_MS,
    searchCacheSize: v.SEARCH_CACHE_SIZE,
    logLevel: v.LOG_LEVEL,
    duckdbThreads: v.DUCKDB_THREADS,
    duckdbMemoryLimit: v.DUCKDB_MEMORY_LIMIT,
    duckdbPoolSize: v.DUCKDB_POOL_SIZE,
    maxQueryDepth: v.GRAPH_MAX_QUERY_DEPTH,
    maxQueryCost: v.GRAPH_MAX_QUERY_COST,
    maxRootFields: v.GRAPH_MAX_ROOT_FIELDS,
    maxAliases: v.GRAPH_MAX_ALIASES,
    maxTokens: v.GRAPH_MAX_TOKENS,
    maxDocumentBytes: v.GRAPH_MAX_DOCUMENT_BYTES,
    maxBodyBytes: v.GRAPH_MAX_BODY_BYTES,
    corsOrigins: v.GRAPH_CORS_ORIGINS,
    introspection,
    graphiql,
    timings: v.GRAPH_TIMINGS,
    metricsPort: metricsPortOf(v),
    trustedProxyHops: v.GRAPH_TRUSTED_PROXY_HOPS,
    maxConcurrentOperations: v.GRAPH_MAX_CONCURRENT_OPERATIONS ?? v.DUCKDB_POOL_SIZE,
    maxQueuedOperations: v.GRAPH_MAX_QUEUED_OPERATIONS,
    maxQueueWaitMs: queueWaitOf(v.GRAPH_MAX_QUEUE_WAIT_MS, v.QUERY_TIMEOUT_MS),
    rateLimitPerMinute: v.GRAPH_RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: v.GRAPH_RATE_LIMIT_BURST,
    exportMaxConcurrent: v.EXPORT_MAX_CONCURRENT,
    exportMaxConcurrentPerClient: v.EXPORT_MAX_CONCURRENT_PER_CLIENT,
    exportRowsPerHourPerClient: v.EXPORT_ROWS_PER_HOUR_PER_CLIENT,
    exportMaxDiskBytes: v.EXPORT_MAX_DISK_BYTES,
    // GRAPH_TAIL=false: Parquet only, even with REDIS_URL set (still validated).
    redisUrl: v.GRAPH_TAIL ? v.REDIS_URL : undefined,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
    tailMaxRows: v.TAIL_MAX_ROWS,
    tailMaxBytes: v.TAIL_MAX_BYTES,
    warnings,
  };
}
