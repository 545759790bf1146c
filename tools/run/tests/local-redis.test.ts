// The local runner's private redis-server: waiting for it must not print ioredis's unhandled-error warning
// (it appeared at every `npm run demo` start). Run in a child process, as the runner does, to see its stderr.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, makeTempDir } from '@bsky-explorer/testing';

const ROOT = resolve(__dirname, '../../..');

it('waits for redis-server without printing "[ioredis] Unhandled error event"', async () => {
  const tmp = await makeTempDir('run-redis-');
  const port = await freePort();
  const script = `
    const { startLocalRedis } = require(${JSON.stringify(resolve(ROOT, 'tools/run/src/local-redis.ts'))});
    startLocalRedis(${JSON.stringify(tmp.path)}, ${port}).then((r) => {
      console.log('ready ' + r.url);
      r.process.kill('SIGKILL');
    });`;
  try {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await new Promise((done) => child.once('exit', done));
    expect(out).toContain(`ready redis://127.0.0.1:${port}`);
    expect(err).not.toContain('[ioredis]');
  } finally {
    await tmp.remove();
  }
});
