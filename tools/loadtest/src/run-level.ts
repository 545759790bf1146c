import autocannon from 'autocannon';
import type { Step } from './mix';
import { errorCode, summarise, type LevelResult } from './stats';

interface ConnectionContext {
  /** Position in the mix (each client starts at a random one). */
  next?: number;
  step?: Step;
  cursor?: string;
  sentAt?: number;
}

/**
 * One level: `connections` clients, each sending the mix in order for `seconds`, one request at a time. Latency is
 * measured at the client, from building a request (right before it is written) to its full answer; a next-page
 * request uses the endCursor the same client's previous page returned.
 */
export async function runLevel(
  endpoint: string,
  mix: Step[],
  connections: number,
  seconds: number,
  /** Requests per second over all clients at most (the soak's low, steady load); unbounded when absent. */
  overallRate?: number,
): Promise<LevelResult> {
  const latencies: { shape: string; ms: number }[] = [];
  const errors: Record<string, number> = {};
  const count = (code: string) => (errors[code] = (errors[code] ?? 0) + 1);
  // Every client walks the mix from its own random starting point, so clients do not send the same shape in step.
  const stepOf = (c: ConnectionContext): Step => {
    c.next ??= Math.floor(Math.random() * mix.length);
    return mix[c.next++ % mix.length];
  };
  const requests = mix.map(() => ({
    method: 'POST' as const,
    setupRequest: (req: autocannon.Request, context: object) => {
      const c = context as ConnectionContext;
      const step = stepOf(c);
      c.step = step;
      c.sentAt = performance.now();
      return { ...req, body: step.body(step.kind === 'next-page' ? c.cursor : undefined) };
    },
    onResponse: (status: number, body: string, context: object) => {
      const c = context as ConnectionContext;
      const step = c.step!;
      if (c.sentAt !== undefined) latencies.push({ shape: step.name, ms: performance.now() - c.sentAt });
      const code = errorCode(status, body);
      if (code) count(code);
      if (step.kind === 'search' || step.kind === 'next-page') c.cursor = /"endCursor":"([^"]+)"/.exec(body)?.[1];
    },
  }));
  const started = performance.now();
  const result = await autocannon({
    url: endpoint,
    connections,
    duration: seconds,
    timeout: 60,
    ...(overallRate ? { overallRate } : {}),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    requests,
  });
  const elapsed = (performance.now() - started) / 1000;
  if (result.errors > 0) errors.NETWORK = (errors.NETWORK ?? 0) + result.errors;
  if (result.timeouts > 0) errors.CLIENT_TIMEOUT = (errors.CLIENT_TIMEOUT ?? 0) + result.timeouts;
  return summarise(connections, Math.max(seconds, Math.min(elapsed, seconds * 2)), latencies, errors);
}
