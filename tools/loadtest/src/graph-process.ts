// The graph service as a child process over a DATA_DIR, as `npm run graph` would run it (production mode), with
// per-client limits off so that one load generator is not throttled as one client.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@bsky-explorer/testing';

const ROOT = resolve(__dirname, '..', '..', '..');

export interface GraphProcess {
  url: string;
  child: ChildProcess;
}

export async function startGraph(
  dataDir: string,
  options: { exportDir?: string; env?: Record<string, string> } = {},
): Promise<GraphProcess> {
  const port = await freePort();
  const exportDir = options.exportDir ?? (await mkdtemp(join(tmpdir(), 'bsky-loadtest-exports-')));
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'apps/graph/src/main.ts')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      GRAPH_PORT: String(port),
      GRAPH_HOST: '127.0.0.1',
      GRAPH_METRICS_PORT: '0',
      DATA_DIR: dataDir,
      EXPORT_DIR: exportDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex'),
      // One load generator is one client address: per-client limits would measure themselves.
      GRAPH_RATE_LIMIT_PER_MINUTE: '0',
      EXPORT_MAX_CONCURRENT_PER_CLIENT: '64',
      EXPORT_ROWS_PER_HOUR_PER_CLIENT: '0',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the graph exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  throw new Error('the graph did not become ready within 120 s');
}
