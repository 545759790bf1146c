// One level against PostgreSQL: `connections` clients (one pg connection each), each sending the PostgreSQL mix
// in order for `seconds`, one query at a time, a next page with the keyset cursor its previous page ended on.
// Latency from sending the query to the last row received, at the client, as for the GraphQL level.
import { Client } from 'pg';
import type { KeysetCursor } from '@bsky-explorer/bench/src/peers/peer-sql';
import type { PgStep } from './pg-mix';
import { summarise, type LevelResult } from './stats';

export async function runPgLevel(
  connect: { host: string; port: number; user: string; database: string },
  mix: PgStep[],
  connections: number,
  seconds: number,
): Promise<LevelResult> {
  const latencies: { shape: string; ms: number }[] = [];
  const errors: Record<string, number> = {};
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new Client(connect);
      await c.connect();
      // The GraphQL side's bound on one operation (QUERY_TIMEOUT_MS, 10 s by default).
      await c.query('SET statement_timeout = 10000');
      return c;
    }),
  );
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      let next = Math.floor(Math.random() * mix.length);
      let cursor: KeysetCursor | undefined;
      while (performance.now() < end) {
        const step = mix[next++ % mix.length];
        const q = step.query(step.name.endsWith('next page') ? cursor : undefined);
        const t = performance.now();
        try {
          const res = await client.query(q.sql, q.params);
          latencies.push({ shape: step.name, ms: performance.now() - t });
          if (step.pages) {
            const last = res.rows.at(-1) as { uri: string; time_us: string } | undefined;
            cursor = last ? { indexedAtUs: Number(last.time_us), uri: last.uri } : undefined;
          }
        } catch (err) {
          const code = (err as { code?: string }).code === '57014' ? 'STATEMENT_TIMEOUT' : 'PG_ERROR';
          errors[code] = (errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  return summarise(connections, elapsed, latencies, errors);
}
