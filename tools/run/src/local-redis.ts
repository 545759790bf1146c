import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';

const REDIS_CONF = resolve(__dirname, '../../../infra/compose/redis.conf');
const MISSING_REDIS = [
  'redis-server was not found on PATH, and REDIS_URL is not set.',
  'Install Redis 7 (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)',
  'or point REDIS_URL at a running Redis (redis://host:6379).',
].join('\n');

export class RedisMissingError extends Error {
  override name = 'RedisMissingError';
  constructor() {
    super(MISSING_REDIS);
  }
}

export interface LocalRedis {
  url: string;
  process: ChildProcess;
}

/**
 * A private redis-server for local runs, with the production settings of infra/compose/redis.conf
 * (AOF everysec, noeviction) and its data under DATA_DIR/redis, so a restart keeps the buffer.
 */
export async function startLocalRedis(dataDir: string, port: number): Promise<LocalRedis> {
  if (spawnSync('redis-server', ['--version']).error) throw new RedisMissingError();
  const dir = resolve(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const args = [
    ...(existsSync(REDIS_CONF) ? [REDIS_CONF] : ['--appendonly', 'yes', '--appendfsync', 'everysec']),
    '--maxmemory-policy',
    'noeviction',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--maxmemory',
    '1gb',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // Refused connections are expected while the server starts; connect() rejects with them (handled below).
  // Without a listener, ioredis prints each one as "[ioredis] Unhandled error event".
  client.on('error', () => undefined);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    try {
      await client.connect();
      // AOF loading answers LOADING errors until done.
      await client.ping();
      break;
    } catch (err) {
      client.disconnect();
      if (Date.now() > deadline) throw new Error('redis-server did not become ready in 15 s', { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  client.disconnect();
  return { url, process: child };
}
