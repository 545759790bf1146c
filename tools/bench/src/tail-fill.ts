import type { SourceSpec } from '@bsky-explorer/jetstream-sim';
import { POST_SHARE } from './sim-source';

// What tail-micro.ts and tail-probe.ts share to fill a graph's tail quickly: the simulator's events of `rows` posts,
// spaced as at `rate` posts/s and back-dated to end now, sent as fast as ingest takes them; and ingest set never to
// flush, so the tail keeps every row.

/** The simulator source of the fill, and its spacing between events (µs). */
export function backdatedFill(rows: number, rate: number, seed: number): { source: SourceSpec; stepUs: number } {
  const stepUs = Math.floor(1_000_000 / (rate / POST_SHARE));
  const count = Math.ceil(rows / POST_SHARE);
  return {
    source: { kind: 'synthetic', seed, count, rate: 0, startTimeUs: Date.now() * 1000 - count * stepUs, stepUs },
    stepUs,
  };
}

/** Ingest's environment for a fill: no flush and no compaction, a buffer bound above any fill. */
export function noFlushIngestEnv(o: {
  redisUrl: string;
  jetstreamUrl: string;
  dataDir: string;
  ingestPort: number;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    JETSTREAM_URL: o.jetstreamUrl,
    DATA_DIR: o.dataDir,
    FLUSH_INTERVAL_MS: '3600000',
    FLUSH_MAX_ROWS: '5000000',
    BUFFER_MAX_ENTRIES: '5000000',
    INGEST_PORT: String(o.ingestPort),
    COMPACTION_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
  };
}
