// Public surface of the ingest app (used by the local runner, the benchmark and tests).
export { parseConfig, ConfigError, DEFAULT_JETSTREAM_URLS, type IngestConfig, type LogLevel } from './config';
export { createIngest, type Ingest, type IngestDeps } from './service';
export { Flusher, FlushError, type FlusherOptions, type WriteFlushBatch } from './flusher';
export {
  writeRawFlushBatch,
  rowsOfPayloads,
  FlushDecodeError,
  type RawFlushBatch,
  type FlushPayload,
} from './flush-rows';
export { RedisBuffer, DEAD_LETTER_RAW_BYTES } from './redis-buffer';
export { JetstreamSource, type ResumePoint, type ReconnectReason } from './jetstream-source';
export { ingestKeys, type IngestKeys } from './keys';
export { dedupKey } from './dedup-key';
export { createMetrics, type IngestMetrics } from './metrics';
export { createLogger } from './logger';
