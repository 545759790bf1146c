import { execFileSync, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { freePort, makeTempDir, waitFor } from '@bsky-explorer/testing';

const ROOT = resolve(__dirname, '../../..');
const START = resolve(ROOT, 'tools/run/src/start.ts');

function runStart(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', START, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, output: () => output };
}

/** Pids of the runner's children: each service runs in its own process group, so killing the runner alone leaves them. */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/**
 * The services the runner started: its children but tsx's own esbuild service, which `--import tsx` spawns when
 * its transform cache is cold (a fresh clone) and which ends with the runner.
 */
function servicePids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !/esbuild.* --service/.test(line))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** After a failed assertion: stop the runner and every service it started, so nothing outlives the test. */
async function killRun(run: ReturnType<typeof runStart>): Promise<void> {
  if (run.child.exitCode === null && run.child.pid) {
    for (const pid of childPids(run.child.pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    run.child.kill('SIGKILL');
    await run.exited;
  }
  run.child.stdout?.destroy();
  run.child.stderr?.destroy();
}

async function searchCount(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ searchPosts(first: 5) { edges { node { uri text } } } }' }),
  });
  const body = (await res.json()) as { data?: { searchPosts: { edges: unknown[] } } };
  return body.data?.searchPosts.edges.length ?? 0;
}

describe('npm run demo', () => {
  it('serves searchable simulated posts within seconds and stops cleanly on SIGINT, ingest flushing first', async () => {
    const dir = await makeTempDir('bsky-demo-');
    const graphPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dir.path,
      GRAPH_PORT: String(graphPort),
      INGEST_PORT: String(await freePort()),
      FLUSH_INTERVAL_MS: '1000',
      LOG_LEVEL: 'warn',
    };
    delete env.REDIS_URL; // the runner must start its private redis-server
    const run = runStart(['--demo'], env);
    try {
      let found = 0;
      const deadline = Date.now() + 60_000;
      // The first flush may hold fewer than 5 posts: wait for a full page.
      while (found < 5 && Date.now() < deadline && run.child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 500));
        found = await searchCount(graphPort).catch(() => 0);
      }
      expect(found).toBe(5);
      const services = servicePids(run.child.pid as number);
      expect(services).toHaveLength(4); // redis-server, the simulator, ingest, graph
      run.child.kill('SIGINT');
      // npm and tsx relay a terminal's Ctrl-C too: a second signal while stopping must not cut the stop short.
      await waitFor('the runner to start stopping', () => run.output().includes('SIGINT: stopping'), 30_000);
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain('SIGINT: already stopping');
      expect(run.output()).toContain('[run] stopped');
      expect(services.filter(isAlive)).toEqual([]);
      const days = await readdir(join(dir.path, 'posts'));
      expect(days.some((d) => d.startsWith('date='))).toBe(true);
      // The private Redis kept its AOF under DATA_DIR.
      expect(await readdir(join(dir.path, 'redis'))).toEqual(
        expect.arrayContaining([expect.stringMatching(/appendonly/)]),
      );
    } finally {
      await killRun(run);
      await dir.remove();
    }
  }, 120_000);

  it('says how to install Redis when redis-server is missing and REDIS_URL is unset', async () => {
    const dir = await makeTempDir('bsky-demo-');
    const env: NodeJS.ProcessEnv = { PATH: dir.path, HOME: process.env.HOME, DATA_DIR: dir.path };
    const run = runStart(['--demo'], env);
    try {
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('redis-server was not found on PATH');
      expect(run.output()).toContain('apt-get install redis-server');
    } finally {
      await killRun(run);
      await dir.remove();
    }
  }, 60_000);
});
