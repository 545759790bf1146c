import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { PostStore } from '@bsky-explorer/storage';
import type { Plugin } from 'graphql-yoga';
import { registry } from './metrics';

export interface ReadinessCheck {
  ok: boolean;
  checks: Record<string, string>;
}

/**
 * Ready when DATA_DIR is readable and DuckDB answers through the store's pool (with a deadline). The probe is a
 * lookup of a uri that cannot exist: a real DuckDB query over the files once there are any.
 */
export async function checkReadiness(store: PostStore, dataDir: string, timeoutMs: number): Promise<ReadinessCheck> {
  const checks: Record<string, string> = {};
  const run = async (name: string, probe: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise(
          (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
        ),
      ]);
      checks[name] = 'ok';
    } catch (err) {
      // A code or a short reason only: readiness bodies must not reveal paths or SQL.
      const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
      checks[name] =
        typeof code === 'string'
          ? code
          : typeof message === 'string' && message.startsWith('no answer')
            ? message
            : 'failed';
    } finally {
      clearTimeout(timer);
    }
  };
  await run('dataDir', () => access(dataDir, constants.R_OK | constants.X_OK));
  await run('duckdb', () => store.ping());
  return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
}

/**
 * /healthz (the process answers), /readyz (dependencies reachable), and /metrics (Prometheus text) when it is not
 * served on a port of its own (GRAPH_METRICS_PORT).
 */
export function useHealthRoutes(store: PostStore, dataDir: string, readyTimeoutMs: number, metrics: boolean): Plugin {
  return {
    async onRequest({ url, fetchAPI, endResponse }) {
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      switch (url.pathname) {
        case '/healthz':
          endResponse(json(200, { status: 'ok' }));
          return;
        case '/readyz': {
          const ready = await checkReadiness(store, dataDir, readyTimeoutMs);
          endResponse(json(ready.ok ? 200 : 503, { status: ready.ok ? 'ready' : 'not ready', checks: ready.checks }));
          return;
        }
        case '/metrics':
          if (!metrics) return;
          endResponse(
            new fetchAPI.Response(await registry.metrics(), {
              status: 200,
              headers: { 'content-type': registry.contentType },
            }),
          );
          return;
      }
    },
  };
}
