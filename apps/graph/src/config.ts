import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

// Configuration of the graph service, read once at boot from the environment. Every problem is collected and
// reported together; tests pass an env object instead of mutating process.env.

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

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid graph configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
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

export function loadConfig(env: Env = process.env): GraphConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const str = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got ${JSON.stringify(raw)})`);
      return def;
    }
    return n;
  };

  const nodeEnv = str('NODE_ENV') ?? 'development';
  const port = int('GRAPH_PORT', 4000, 0, 65535);
  const dataDir = resolve(str('DATA_DIR') ?? './data');

  let publicUrl = str('PUBLIC_URL') ?? `http://localhost:${port}`;
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    publicUrl = publicUrl.replace(/\/+$/, '');
  } catch {
    problems.push(
      `PUBLIC_URL must be an absolute http(s) URL such as https://explorer.example.com (got ${JSON.stringify(publicUrl)})`,
    );
  }

  let exportSigningSecret = str('EXPORT_SIGNING_SECRET');
  if (exportSigningSecret === undefined) {
    if (nodeEnv === 'production') {
      problems.push('EXPORT_SIGNING_SECRET is required when NODE_ENV=production (e.g. `openssl rand -hex 32`)');
    } else {
      warnings.push(
        'EXPORT_SIGNING_SECRET is not set: using a random per-process secret; export links die with the process',
      );
    }
    exportSigningSecret = randomBytes(32).toString('hex');
  } else {
    const weak = weakSecretReason(exportSigningSecret);
    const advice = `EXPORT_SIGNING_SECRET is unsafe: ${weak}; generate one with \`openssl rand -hex 32\``;
    if (weak && (nodeEnv === 'production' || exportSigningSecret.length < MIN_SECRET_LENGTH)) problems.push(advice);
    else if (weak) warnings.push(`${advice} (refused when NODE_ENV=production)`);
  }

  const searchDefaultPageSize = int('SEARCH_DEFAULT_PAGE_SIZE', 50, 1);
  const searchMaxPageSize = int('SEARCH_MAX_PAGE_SIZE', 1000, 1);
  if (searchDefaultPageSize > searchMaxPageSize) {
    problems.push(
      `SEARCH_DEFAULT_PAGE_SIZE (${searchDefaultPageSize}) must not exceed SEARCH_MAX_PAGE_SIZE (${searchMaxPageSize})`,
    );
  }

  const logLevel = str('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(logLevel)})`);

  const bool = (name: string, def: boolean): boolean => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return def;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got ${JSON.stringify(raw)})`);
    return def;
  };
  const production = nodeEnv === 'production';

  const corsOrigins: string[] = [];
  for (const origin of (str('GRAPH_CORS_ORIGINS') ?? '').split(',').map((o) => o.trim())) {
    if (origin === '') continue;
    let ok = false;
    try {
      const u = new URL(origin);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === origin;
    } catch {
      ok = false;
    }
    if (ok) corsOrigins.push(origin);
    else
      problems.push(
        `GRAPH_CORS_ORIGINS entries must be origins such as https://app.example.org, no path, no "*" (got ${JSON.stringify(origin)})`,
      );
  }

  const introspection = bool('GRAPH_INTROSPECTION', !production);
  const graphiql = bool('GRAPH_GRAPHIQL', !production);
  if (graphiql && !introspection)
    warnings.push('GRAPH_GRAPHIQL is on but GRAPH_INTROSPECTION is off: GraphiQL cannot load the schema');
  const metricsRaw = str('GRAPH_METRICS_PORT');
  const metricsPort =
    metricsRaw === undefined ? (production ? 9465 : undefined) : int('GRAPH_METRICS_PORT', 9465, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port)
    problems.push('GRAPH_METRICS_PORT must differ from GRAPH_PORT (metrics stay off the public API port)');
  const poolSize = int('DUCKDB_POOL_SIZE', 4, 1, 64);
  const queryTimeoutMs = int('QUERY_TIMEOUT_MS', 10_000, 1);
  // Waiting for a turn is part of the query's time: by default at most half of it, and never all of it.
  const maxQueueWaitMs = int('GRAPH_MAX_QUEUE_WAIT_MS', Math.min(5000, Math.floor(queryTimeoutMs / 2)), 0, 600_000);
  if (maxQueueWaitMs >= queryTimeoutMs)
    problems.push(
      `GRAPH_MAX_QUEUE_WAIT_MS (${maxQueueWaitMs}) must be below QUERY_TIMEOUT_MS (${queryTimeoutMs}): the wait counts against the timeout`,
    );

  const threadsRaw = str('DUCKDB_THREADS');
  const duckdbThreads = threadsRaw === undefined ? undefined : int('DUCKDB_THREADS', 1, 1, 1024);

  let redisUrl = str('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    problems.push(
      `REDIS_URL must be a redis:// or rediss:// URL such as redis://redis:6379 (got a value of ${redisUrl.length} characters)`,
    );
    redisUrl = undefined;
  }
  if (!bool('GRAPH_TAIL', true)) redisUrl = undefined;

  const config: GraphConfig = {
    nodeEnv,
    host: str('GRAPH_HOST') ?? '0.0.0.0',
    port,
    dataDir,
    publicUrl,
    exportDir: resolve(str('EXPORT_DIR') ?? join(dataDir, 'exports')),
    exportSigningSecret,
    exportTtlSeconds: int('EXPORT_TTL_SECONDS', 3600, 1),
    exportMaxRows: int('EXPORT_MAX_ROWS', 1_000_000, 1),
    exportSweepIntervalMs: int('EXPORT_SWEEP_INTERVAL_MS', 60_000, 100),
    searchDefaultPageSize,
    searchMaxPageSize,
    queryTimeoutMs,
    exportTimeoutMs: int('EXPORT_TIMEOUT_MS', 120_000, 1),
    searchCacheSize: int('SEARCH_CACHE_SIZE', 256, 0, 100_000),
    logLevel,
    duckdbThreads,
    duckdbPoolSize: poolSize,
    maxQueryDepth: int('GRAPH_MAX_QUERY_DEPTH', 10, 2, 100),
    maxQueryCost: int('GRAPH_MAX_QUERY_COST', 75_000, 10),
    maxRootFields: int('GRAPH_MAX_ROOT_FIELDS', 5, 1, 100),
    maxAliases: int('GRAPH_MAX_ALIASES', 15, 0, 1000),
    maxTokens: int('GRAPH_MAX_TOKENS', 2000, 100, 1_000_000),
    maxDocumentBytes: int('GRAPH_MAX_DOCUMENT_BYTES', 16_384, 256, 16_777_216),
    maxBodyBytes: int('GRAPH_MAX_BODY_BYTES', 65_536, 1024, 67_108_864),
    corsOrigins,
    introspection,
    graphiql,
    timings: bool('GRAPH_TIMINGS', false),
    metricsPort,
    trustedProxyHops: int('GRAPH_TRUSTED_PROXY_HOPS', 0, 0, 10),
    maxConcurrentOperations: int('GRAPH_MAX_CONCURRENT_OPERATIONS', poolSize, 1, 1024),
    maxQueuedOperations: int('GRAPH_MAX_QUEUED_OPERATIONS', 64, 0, 100_000),
    maxQueueWaitMs,
    rateLimitPerMinute: int('GRAPH_RATE_LIMIT_PER_MINUTE', 120, 0),
    rateLimitBurst: int('GRAPH_RATE_LIMIT_BURST', 30, 1),
    exportMaxConcurrent: int('EXPORT_MAX_CONCURRENT', 2, 1, 64),
    exportMaxConcurrentPerClient: int('EXPORT_MAX_CONCURRENT_PER_CLIENT', 1, 1, 64),
    exportRowsPerHourPerClient: int('EXPORT_ROWS_PER_HOUR_PER_CLIENT', 2_000_000, 0),
    exportMaxDiskBytes: int('EXPORT_MAX_DISK_BYTES', 10 * 1024 ** 3, 0),
    redisUrl,
    redisKeyPrefix: str('REDIS_KEY_PREFIX') ?? 'ingest:',
    tailMaxRows: int('TAIL_MAX_ROWS', 1_000_000, 1),
    tailMaxBytes: int('TAIL_MAX_BYTES', 512 * 1024 ** 2, 1024),
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
