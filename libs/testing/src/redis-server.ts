import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** SIGKILL the server (no shutdown save); data survives only through the AOF. */
  kill(): Promise<void>;
  /** Start the server again on the same port and data dir (reloads the AOF). */
  restart(): Promise<void>;
  /** Stop and delete the data dir. */
  stop(): Promise<void>;
}

/**
 * A real redis-server on a free port with the production durability settings
 * (AOF everysec, noeviction), its data in a temp dir.
 */
export async function startRedis(options: { appendfsync?: 'always' | 'everysec' } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'bsky-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        options.appendfsync ?? 'everysec',
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    const spawned = child;
    await new Promise<void>((resolve, reject) => {
      spawned.once('error', (err) =>
        reject(
          new Error('redis-server could not be started; install it (apt-get install redis-server)', { cause: err }),
        ),
      );
      const deadline = Date.now() + 10_000;
      const probe = () => {
        const sock = createConnection({ port, host: '127.0.0.1' }, () => {
          sock.write('PING\r\n');
        });
        sock.once('data', (d) => {
          sock.destroy();
          if (d.toString().startsWith('+PONG')) resolve();
          else retry();
        });
        sock.once('error', () => retry());
      };
      const retry = () =>
        Date.now() > deadline ? reject(new Error('redis-server did not start')) : setTimeout(probe, 50);
      probe();
    });
  };

  const killChild = async (signal: NodeJS.Signals) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill: () => killChild('SIGKILL'),
    restart: launch,
    stop: async () => {
      await killChild('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
