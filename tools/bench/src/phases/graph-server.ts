// The GraphQL service under test, started as `npm run graph` would run it, on the generated DATA_DIR.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@bsky-explorer/testing';
import { startService, waitHttpOk, type Service } from '../service';

export interface GraphServer {
  endpoint: string;
  baseUrl: string;
  service: Service;
  stop(): Promise<void>;
}

export async function startGraph(
  dataDir: string,
  logDir: string,
  exportMaxRows: number,
  env: Record<string, string> = {},
): Promise<GraphServer> {
  await mkdir(logDir, { recursive: true });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const service = startService(
    'apps/graph/src/main.ts',
    {
      GRAPH_PORT: String(port),
      GRAPH_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: baseUrl,
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      EXPORT_MAX_ROWS: String(Math.max(exportMaxRows, 1_000_000)),
      QUERY_TIMEOUT_MS: '120000',
      // Repeated runs of one query would otherwise measure the result cache, not the search.
      SEARCH_CACHE_SIZE: '0',
      // Per-phase server timings in GraphQL extensions.timings, for the report's "Where the time goes".
      GRAPH_TIMINGS: '1',
      // The bench is one client sending hundreds of operations: the per-client limits of production would measure
      // the rate limiter. Introspection on, to find which optional fields the schema has.
      GRAPH_RATE_LIMIT_PER_MINUTE: '0',
      EXPORT_ROWS_PER_HOUR_PER_CLIENT: '0',
      GRAPH_INTROSPECTION: 'true',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...env,
    },
    join(logDir, 'graph.log'),
  );
  await waitHttpOk(`${baseUrl}/readyz`, service);
  return { endpoint: `${baseUrl}/graphql`, baseUrl, service, stop: () => service.stop() };
}
