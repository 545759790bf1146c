// Ingest configuration: parsed from the environment once, at boot. Every problem is collected and reported
// together (ConfigError), so an operator fixes a deployment in one round. Tests call parseConfig with a plain
// record (or spread overrides over its result) instead of mutating process.env.

export const DEFAULT_JETSTREAM_URLS = [
  'wss://jetstream1.us-east.bsky.network/subscribe',
  'wss://jetstream2.us-east.bsky.network/subscribe',
  'wss://jetstream1.us-west.bsky.network/subscribe',
  'wss://jetstream2.us-west.bsky.network/subscribe',
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface IngestConfig {
  /** Undefined only when the caller starts its own Redis (main.ts refuses to run without it). */
  redisUrl: string | undefined;
  jetstreamUrls: string[];
  dataDir: string;
  flushIntervalMs: number;
  flushMaxRows: number;
  ingestPort: number;
  logLevel: LogLevel;
  /** Stop reading the socket while the stream holds more unflushed entries than this. */
  bufferMaxEntries: number;
  /** Resume from the persisted time_us cursor minus this much (covers out-of-order events and host skew). */
  rewindSeconds: number;
  /** No message for this long on an open socket → terminate it and reconnect. */
  silenceTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** How long a seen event is remembered for duplicate suppression; must exceed the rewind. */
  dedupWindowSeconds: number;
  /** Events per EVALSHA (one atomic append + cursor update). */
  appendBatchSize: number;
  /** Longest a received event waits in memory before its batch is sent to Redis. */
  appendBatchMaxWaitMs: number;
  /** Entries younger than this are not flushed yet: with appendfsync everysec they may not be in the AOF. */
  flushSafetyLagMs: number;
  compactionIntervalMs: number;
  /** Compaction keeps replaced files this long for queries that listed them just before the swap. */
  compactionGraceMs: number;
  compactionMemoryLimit: string;
  /** /readyz fails when no Jetstream message arrived for this long. */
  readyMaxSilenceMs: number;
  /** Redis key prefix; one ingest per prefix (the append sequence fences a second writer). */
  redisKeyPrefix: string;
  deadLetterMaxLen: number;
  /** Largest Jetstream message accepted: sent as maxMessageSizeBytes; a larger one is dead-lettered and skipped. */
  maxMessageBytes: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates the environment; throws one ConfigError listing every problem. */
export function parseConfig(env: Env = process.env): IngestConfig {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d+$/.test(raw)) {
      problems.push(`${name} must be an integer, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      problems.push(`${name} must be between ${min} and ${max}, got ${n}`);
      return fallback;
    }
    return n;
  };

  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(redisUrl)}`);
  }

  const jetstreamUrls = str('JETSTREAM_URL', DEFAULT_JETSTREAM_URLS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (jetstreamUrls.length === 0) problems.push('JETSTREAM_URL lists no URL');
  for (const url of jetstreamUrls) {
    let ok = false;
    try {
      ok = ['ws:', 'wss:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`JETSTREAM_URL entry is not a ws:// or wss:// URL: ${JSON.stringify(url)}`);
  }

  const logLevel = str('LOG_LEVEL', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);

  const config: IngestConfig = {
    redisUrl,
    jetstreamUrls,
    dataDir: str('DATA_DIR', './data'),
    flushIntervalMs: int('FLUSH_INTERVAL_MS', 300_000, 100),
    flushMaxRows: int('FLUSH_MAX_ROWS', 50_000, 1, 10_000_000),
    ingestPort: int('INGEST_PORT', 9464, 0, 65_535),
    logLevel,
    bufferMaxEntries: int('BUFFER_MAX_ENTRIES', 250_000, 1),
    rewindSeconds: int('JETSTREAM_REWIND_SECONDS', 10, 0, 3600),
    silenceTimeoutMs: int('JETSTREAM_SILENCE_TIMEOUT_MS', 20_000, 100),
    backoffMinMs: int('JETSTREAM_BACKOFF_MIN_MS', 500, 1),
    backoffMaxMs: int('JETSTREAM_BACKOFF_MAX_MS', 30_000, 1),
    dedupWindowSeconds: int('DEDUP_WINDOW_SECONDS', 900, 1),
    appendBatchSize: int('APPEND_BATCH_SIZE', 500, 1, 100_000),
    appendBatchMaxWaitMs: int('APPEND_BATCH_MAX_WAIT_MS', 20, 0, 10_000),
    flushSafetyLagMs: int('FLUSH_SAFETY_LAG_MS', 2_500, 0, 60_000),
    compactionIntervalMs: int('COMPACTION_INTERVAL_MS', 3_600_000, 0),
    compactionGraceMs: int('COMPACTION_GRACE_MS', 600_000, 0),
    compactionMemoryLimit: str('COMPACTION_MEMORY_LIMIT', '4GB'),
    readyMaxSilenceMs: int('READY_MAX_SILENCE_MS', 60_000, 1),
    redisKeyPrefix: str('REDIS_KEY_PREFIX', 'ingest:'),
    deadLetterMaxLen: int('DEAD_LETTER_MAX_LEN', 100_000, 1),
    maxMessageBytes: int('JETSTREAM_MAX_MESSAGE_BYTES', 1_048_576, 4096, 64 * 1_048_576),
  };

  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(config.compactionMemoryLimit))
    problems.push(`COMPACTION_MEMORY_LIMIT must be a size such as 4GB or 512MB, got "${config.compactionMemoryLimit}"`);
  if (config.backoffMaxMs < config.backoffMinMs)
    problems.push('JETSTREAM_BACKOFF_MAX_MS must be >= JETSTREAM_BACKOFF_MIN_MS');
  if (config.dedupWindowSeconds <= config.rewindSeconds * 2) {
    problems.push(
      'DEDUP_WINDOW_SECONDS must be more than twice JETSTREAM_REWIND_SECONDS (replays must still be recognised)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
