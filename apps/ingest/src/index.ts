// Public surface of the ingest app (used by the local runner, the benchmark and tests).
export { parseConfig, ConfigError, DEFAULT_JETSTREAM_URLS, type IngestConfig, type LogLevel } from './config';
export { createIngest, type Ingest, type IngestDeps } from './service';
export { Flusher, FlushError, type FlusherOptions } from './flusher';
export { FlushCommit, type FlushBatch, type WriteFlushBatch, type FlushResult } from './flush-commit';
export { writeBatch } from './flush-worker';
export { Pipeline, DEAD_LETTER_RAW_BYTES } from './pipeline';
export { JetstreamSource, type ResumePoint, type ReconnectReason, type SourceBatch } from './jetstream-source';
export { ingestKeys, type IngestKeys } from './keys';
export { dedupKey } from './dedup-key';
export { createMetrics, type IngestMetrics } from './metrics';
export { createLogger } from './logger';
