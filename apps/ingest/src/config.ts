// Ingest configuration: parsed from the environment once, at boot, by @bsky-explorer/config (zod). Every problem
// is collected and reported together (ConfigError), so an operator fixes a deployment in one round. Tests call
// parseConfig with a plain record (or spread overrides over its result) instead of mutating process.env.
import { byteSize, ConfigError, integer, oneOf, parseEnv, text, url, urlList, type Env } from '@bsky-explorer/config';

export { ConfigError };

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
  /** A flush writes its files in groups of at most this many rows (bounds the writer's memory). */
  flushChunkRows: number;
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

/** Every variable, its default and its bounds (README "Configuration" has the table). */
const SCHEMA = {
  REDIS_URL: url(['redis:', 'rediss:']),
  JETSTREAM_URL: urlList(['ws:', 'wss:'], DEFAULT_JETSTREAM_URLS),
  DATA_DIR: text('./data'),
  FLUSH_INTERVAL_MS: integer(300_000, 100),
  FLUSH_MAX_ROWS: integer(50_000, 1, 10_000_000),
  FLUSH_CHUNK_ROWS: integer(10_000, 100, 10_000_000),
  INGEST_PORT: integer(9464, 0, 65_535),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  BUFFER_MAX_ENTRIES: integer(250_000, 1),
  JETSTREAM_REWIND_SECONDS: integer(10, 0, 3600),
  JETSTREAM_SILENCE_TIMEOUT_MS: integer(20_000, 100),
  JETSTREAM_BACKOFF_MIN_MS: integer(500, 1),
  JETSTREAM_BACKOFF_MAX_MS: integer(30_000, 1),
  JETSTREAM_MAX_MESSAGE_BYTES: integer(1_048_576, 4096, 64 * 1_048_576),
  DEDUP_WINDOW_SECONDS: integer(900, 1),
  APPEND_BATCH_SIZE: integer(500, 1, 100_000),
  APPEND_BATCH_MAX_WAIT_MS: integer(20, 0, 10_000),
  FLUSH_SAFETY_LAG_MS: integer(2_500, 0, 60_000),
  COMPACTION_INTERVAL_MS: integer(3_600_000, 0),
  COMPACTION_GRACE_MS: integer(600_000, 0),
  COMPACTION_MEMORY_LIMIT: byteSize('4GB'),
  READY_MAX_SILENCE_MS: integer(60_000, 1),
  REDIS_KEY_PREFIX: text('ingest:'),
  DEAD_LETTER_MAX_LEN: integer(100_000, 1),
};

/** Parses and validates the environment; throws one ConfigError listing every problem. */
export function parseConfig(env: Env = process.env): IngestConfig {
  const v = parseEnv(SCHEMA, env, (v) => [
    v.JETSTREAM_BACKOFF_MAX_MS !== undefined &&
      v.JETSTREAM_BACKOFF_MIN_MS !== undefined &&
      v.JETSTREAM_BACKOFF_MAX_MS < v.JETSTREAM_BACKOFF_MIN_MS &&
      'JETSTREAM_BACKOFF_MAX_MS must be >= JETSTREAM_BACKOFF_MIN_MS',
    v.DEDUP_WINDOW_SECONDS !== undefined &&
      v.JETSTREAM_REWIND_SECONDS !== undefined &&
      v.DEDUP_WINDOW_SECONDS <= v.JETSTREAM_REWIND_SECONDS * 2 &&
      'DEDUP_WINDOW_SECONDS must be more than twice JETSTREAM_REWIND_SECONDS (replays must still be recognised)',
  ]);
  return {
    redisUrl: v.REDIS_URL,
    jetstreamUrls: v.JETSTREAM_URL,
    dataDir: v.DATA_DIR,
    flushIntervalMs: v.FLUSH_INTERVAL_MS,
    flushMaxRows: v.FLUSH_MAX_ROWS,
    flushChunkRows: v.FLUSH_CHUNK_ROWS,
    ingestPort: v.INGEST_PORT,
    logLevel: v.LOG_LEVEL,
    bufferMaxEntries: v.BUFFER_MAX_ENTRIES,
    rewindSeconds: v.JETSTREAM_REWIND_SECONDS,
    silenceTimeoutMs: v.JETSTREAM_SILENCE_TIMEOUT_MS,
    backoffMinMs: v.JETSTREAM_BACKOFF_MIN_MS,
    backoffMaxMs: v.JETSTREAM_BACKOFF_MAX_MS,
    dedupWindowSeconds: v.DEDUP_WINDOW_SECONDS,
    appendBatchSize: v.APPEND_BATCH_SIZE,
    appendBatchMaxWaitMs: v.APPEND_BATCH_MAX_WAIT_MS,
    flushSafetyLagMs: v.FLUSH_SAFETY_LAG_MS,
    compactionIntervalMs: v.COMPACTION_INTERVAL_MS,
    compactionGraceMs: v.COMPACTION_GRACE_MS,
    compactionMemoryLimit: v.COMPACTION_MEMORY_LIMIT,
    readyMaxSilenceMs: v.READY_MAX_SILENCE_MS,
    redisKeyPrefix: v.REDIS_KEY_PREFIX,
    deadLetterMaxLen: v.DEAD_LETTER_MAX_LEN,
    maxMessageBytes: v.JETSTREAM_MAX_MESSAGE_BYTES,
  };
}
