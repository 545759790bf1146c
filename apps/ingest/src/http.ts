// /healthz (the process answers), /readyz (its dependencies work; JSON body with every check) and /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface HttpOptions {
  port: number;
  registry: Registry;
  checks: () => Promise<Record<string, CheckResult>>;
  /** Refreshes gauges that are read on demand (Redis memory, disk space) before a scrape. */
  beforeScrape?: () => Promise<void>;
}

export async function startHttp(
  opts: HttpOptions,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const fail = (err: unknown) =>
      send(500, 'application/json', JSON.stringify({ error: String((err as Error)?.message ?? err) }));
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (path === '/readyz') {
      opts.checks().then((checks) => {
        const ready = Object.values(checks).every((c) => c.ok);
        send(ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }));
      }, fail);
      return;
    }
    if (path === '/metrics') {
      (opts.beforeScrape?.() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => opts.registry.metrics())
        .then((text) => send(200, opts.registry.contentType, text), fail);
      return;
    }
    send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
