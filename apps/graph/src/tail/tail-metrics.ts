import type { PostTail, TailFollower } from '@bsky-explorer/storage';
import { Gauge } from 'prom-client';
import { registry } from '../metrics';

// The tail's gauges (docs/metrics.md), read from the tail and its follower at scrape time.
let source: { tail: PostTail; follower: TailFollower } | undefined;

/** Which tail the gauges report (one per process); undefined: no tail (the gauges read 0). */
export function reportTail(next: typeof source): void {
  source = next;
}

new Gauge({
  name: 'graph_tail_rows',
  help: 'Rows held in the tail (buffered by ingest, not yet in Parquet), by table',
  labelNames: ['table'] as const,
  registers: [registry],
  collect() {
    const rows = source?.tail.stats().rows ?? { posts: 0, tombstones: 0, accounts: 0 };
    for (const [table, n] of Object.entries(rows)) this.set({ table }, n);
  },
});

new Gauge({
  name: 'graph_tail_bytes',
  help: 'JSON bytes of the stream entries held in the tail (the bound TAIL_MAX_BYTES applies to it)',
  registers: [registry],
  collect() {
    this.set(source?.tail.stats().bytes ?? 0);
  },
});

// The tail's text index (current generation; 0 without a tail or with the index off).
new Gauge({
  name: 'graph_tail_index_tokens',
  help: 'Distinct tokens in the text index of the tail (a search with a part rare in the tail reads only its rows)',
  registers: [registry],
  collect() {
    this.set(source?.tail.stats().index?.tokens ?? 0);
  },
});

new Gauge({
  name: 'graph_tail_index_postings',
  help: 'Postings (post, token) kept by the tail text index; a token in more posts than its bound keeps none',
  registers: [registry],
  collect() {
    this.set(source?.tail.stats().index?.postings ?? 0);
  },
});

new Gauge({
  name: 'graph_tail_index_bytes',
  help: 'Estimated heap bytes of the tail text index (tokens, map entries, postings)',
  registers: [registry],
  collect() {
    this.set(source?.tail.stats().index?.bytes ?? 0);
  },
});

new Gauge({
  name: 'graph_tail_full',
  help: '1 while the tail is at TAIL_MAX_ROWS or TAIL_MAX_BYTES: newer posts wait for the next flush',
  registers: [registry],
  collect() {
    this.set(source?.tail.full ? 1 : 0);
  },
});

new Gauge({
  name: 'graph_tail_lag_seconds',
  help: 'Seconds since the tail last held every entry of the ingest stream (how stale search may be)',
  registers: [registry],
  collect() {
    this.set(source?.follower.lagSeconds() ?? 0);
  },
});

new Gauge({
  name: 'graph_tail_redis_connected',
  help: '1 while the tail reads the ingest stream; 0 when Redis is unreachable or no REDIS_URL (Parquet only)',
  registers: [registry],
  collect() {
    this.set(source?.follower.isConnected ? 1 : 0);
  },
});
