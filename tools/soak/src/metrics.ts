// One sample of the pipeline's health for the pictures: RSS per process, the ingest's lag and buffer, disk use.

/** Values of unlabelled (or summed over labels) Prometheus series in a text exposition. */
export function parseMetrics(text: string, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || !names.includes(m[1])) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out[m[1]] = (out[m[1]] ?? 0) + v;
  }
  return out;
}

export interface Sample {
  /** ms since the start of the soak. */
  t: number;
  rss: { ingest: number; graph: number; redis: number; soak: number };
  /** ingest_lag_seconds (now - time_us of the last event received); absent while ingest is down. */
  lagSeconds?: number;
  bufferLength?: number;
  eventsReceived?: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
}

export interface LoadWindow {
  /** ms since the start, at the end of the window. */
  t: number;
  seconds: number;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
}

export interface FaultRecord {
  t: number;
  kind: string;
  /** What happened, measured: e.g. how long until the pipeline was back. */
  detail: string;
}
