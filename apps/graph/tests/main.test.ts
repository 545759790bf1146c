import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, makeTempDir } from '@bsky-explorer/testing';

// `npm run graph` = `tsx apps/graph/src/main.ts`, configured only by the environment.
const ROOT = join(__dirname, '..', '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = join(ROOT, 'apps', 'graph', 'src', 'main.ts');

describe('main', () => {
  it('reports every configuration problem at once and exits non-zero', () => {
    const run = spawnSync(TSX, [MAIN], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', GRAPH_PORT: 'x', SEARCH_MAX_PAGE_SIZE: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/GRAPH_PORT/);
    expect(run.stderr).toMatch(/SEARCH_MAX_PAGE_SIZE/);
    expect(run.stderr).toMatch(/EXPORT_SIGNING_SECRET is required/);
  });

  it('serves from env and shuts down on SIGTERM', async () => {
    const dir = await makeTempDir('bsky-graph-main-');
    const port = await freePort();
    const child = spawn(TSX, [MAIN], {
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dir.path,
        GRAPH_PORT: String(port),
        GRAPH_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['graph listening', 'graph stopped']));
      // The generated secret is announced, never printed.
      expect(out).toMatch(/EXPORT_SIGNING_SECRET is not set/);
    } finally {
      child.kill('SIGKILL');
      await dir.remove();
    }
  });
});
