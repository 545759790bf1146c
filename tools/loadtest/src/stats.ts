/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LevelResult {
  connections: number;
  seconds: number;
  requests: number;
  throughput: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Answers with errors, by code (`HTTP_<status>` without one, `NETWORK` for failed connections). */
  errors: Record<string, number>;
  /** Per shape: requests and p95. */
  shapes: Record<string, { n: number; p95Ms: number }>;
}

export function summarise(
  connections: number,
  seconds: number,
  latencies: { shape: string; ms: number }[],
  errors: Record<string, number>,
): LevelResult {
  const all = latencies.map((l) => l.ms).sort((a, b) => a - b);
  const byShape = new Map<string, number[]>();
  for (const l of latencies) {
    const list = byShape.get(l.shape) ?? [];
    list.push(l.ms);
    byShape.set(l.shape, list);
  }
  const shapes: LevelResult['shapes'] = {};
  for (const [name, list] of byShape) {
    list.sort((a, b) => a - b);
    shapes[name] = { n: list.length, p95Ms: Math.round(percentile(list, 95)) };
  }
  return {
    connections,
    seconds,
    requests: all.length,
    throughput: Math.round((all.length / seconds) * 10) / 10,
    p50Ms: Math.round(percentile(all, 50)),
    p95Ms: Math.round(percentile(all, 95)),
    p99Ms: Math.round(percentile(all, 99)),
    errors,
    shapes,
  };
}

/** The error code of one answer: its first GraphQL error's extensions.code, else undefined. */
export function errorCode(status: number, body: string): string | undefined {
  let code: string | undefined;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
    if (parsed.errors?.length) code = parsed.errors[0].extensions?.code ?? 'UNKNOWN';
  } catch {
    // Not JSON: the status says it.
  }
  if (code) return code;
  return status >= 200 && status < 300 ? undefined : `HTTP_${status}`;
}
