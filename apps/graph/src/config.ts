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
const MIN_SECRET_LENGTH = 32;

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
  } else if (exportSigningSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `EXPORT_SIGNING_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
    );
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

  const threadsRaw = str('DUCKDB_THREADS');
  const duckdbThreads = threadsRaw === undefined ? undefined : int('DUCKDB_THREADS', 1, 1, 1024);

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
    queryTimeoutMs: int('QUERY_TIMEOUT_MS', 10_000, 1),
    exportTimeoutMs: int('EXPORT_TIMEOUT_MS', 120_000, 1),
    searchCacheSize: int('SEARCH_CACHE_SIZE', 256, 0, 100_000),
    logLevel,
    duckdbThreads,
    duckdbPoolSize: int('DUCKDB_POOL_SIZE', 4, 1, 64),
    maxQueryDepth: int('GRAPH_MAX_QUERY_DEPTH', 10, 2, 100),
    maxQueryCost: int('GRAPH_MAX_QUERY_COST', 500_000, 10),
    maxRootFields: int('GRAPH_MAX_ROOT_FIELDS', 5, 1, 100),
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
