// Prometheus metrics of the ingest service; names and labels are the contract of docs/metrics.md.
// Built per service instance (own Registry) rather than module-level so that several instances in one test
// process do not share counters; main.ts has exactly one.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type IngestMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'ingest_' });
  const registers = [registry];
  return {
    registry,
    eventsReceived: new Counter({
      name: 'ingest_events_received_total',
      help: 'Events decoded from Jetstream, by kind and commit operation',
      labelNames: ['kind', 'operation'] as const,
      registers,
    }),
    eventsInvalid: new Counter({
      name: 'ingest_events_invalid_total',
      help: 'Malformed events, dead-lettered, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    duplicatesDropped: new Counter({
      name: 'ingest_duplicates_dropped_total',
      help: 'Replayed events recognised and dropped before the buffer',
      registers,
    }),
    jetstreamConnected: new Gauge({
      name: 'ingest_jetstream_connected',
      help: '1 while a socket is open and not silent',
      registers,
    }),
    reconnects: new Counter({
      name: 'ingest_jetstream_reconnects_total',
      help: 'Jetstream reconnects by reason (close/error/silent/refused/oversized)',
      labelNames: ['reason'] as const,
      registers,
    }),
    lastEventTimestamp: new Gauge({
      name: 'ingest_jetstream_last_event_timestamp_seconds',
      help: 'Wall clock of the last message received',
      registers,
    }),
    lag: new Gauge({ name: 'ingest_lag_seconds', help: 'now - time_us of the last event', registers }),
    bufferLength: new Gauge({
      name: 'ingest_buffer_length',
      help: 'Entries in the Redis stream not yet flushed',
      registers,
    }),
    backpressureActive: new Gauge({
      name: 'ingest_backpressure_active',
      help: '1 while reading is paused because the buffer is full',
      registers,
    }),
    flushDuration: new Histogram({
      name: 'ingest_flush_duration_seconds',
      help: 'One flush, read to ack',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    flushRows: new Counter({
      name: 'ingest_flush_rows_total',
      help: 'Rows written to Parquet, by table',
      labelNames: ['table'] as const,
      registers,
    }),
    flushes: new Counter({
      name: 'ingest_flushes_total',
      help: 'Flushes by result',
      labelNames: ['result'] as const,
      registers,
    }),
    lastFlushSuccess: new Gauge({
      name: 'ingest_last_flush_success_timestamp_seconds',
      help: 'Wall clock of the last successful flush',
      registers,
    }),
    parquetBytes: new Counter({
      name: 'ingest_parquet_bytes_written_total',
      help: 'Parquet bytes written, by table',
      labelNames: ['table'] as const,
      registers,
    }),
    rawBytesFlushed: new Counter({
      name: 'ingest_raw_bytes_flushed_total',
      help: 'Raw Jetstream JSON bytes of the flushed events',
      registers,
    }),
    compressionRatio: new Gauge({
      name: 'ingest_compression_ratio',
      help: 'Parquet bytes / raw bytes of the last flush',
      registers,
    }),
    compactions: new Counter({
      name: 'ingest_compactions_total',
      help: 'Compaction runs by result',
      labelNames: ['result'] as const,
      registers,
    }),
    compactionDuration: new Histogram({
      name: 'ingest_compaction_duration_seconds',
      help: 'One compaction run',
      buckets: [0.5, 1, 5, 15, 60, 300, 900],
      registers,
    }),
    redisUsedMemory: new Gauge({
      name: 'ingest_redis_used_memory_bytes',
      help: 'Redis used_memory (INFO memory)',
      registers,
    }),
    redisMaxMemory: new Gauge({
      name: 'ingest_redis_maxmemory_bytes',
      help: 'Redis maxmemory (0 = unlimited)',
      registers,
    }),
    dataDirFree: new Gauge({
      name: 'ingest_data_dir_free_bytes',
      help: 'Free bytes on the DATA_DIR file system',
      registers,
    }),
    dataDirSize: new Gauge({ name: 'ingest_data_dir_size_bytes', help: 'Size of the DATA_DIR file system', registers }),
  };
}
