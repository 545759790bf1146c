// The processes of a soak: redis-server (AOF, as infra/compose/redis.conf), the ingest service, the compaction
// runner; each with a log file in the run folder, and SIGKILL for the faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';

export const ROOT = resolve(__dirname, '..', '..', '..');
const REDIS_CONF = join(ROOT, 'infra/compose/redis.conf');

export const exited = (child: ChildProcess): Promise<void> =>
  new Promise((done) =>
    child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
  );

function logTo(file: string) {
  return createWriteStream(file, { flags: 'a' });
}

export class RedisProcess {
  child: ChildProcess | undefined;
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const args = [
      ...(existsSync(REDIS_CONF) ? [REDIS_CONF] : ['--appendonly', 'yes', '--appendfsync', 'everysec']),
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', this.dir],
      ...['--daemonize', 'no', '--maxmemory', '1gb', '--maxmemory-policy', 'noeviction'],
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logTo(this.logFile);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    for (const deadline = Date.now() + 60_000; ;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      try {
        await client.connect();
        await client.ping(); // LOADING until the AOF is read
        break;
      } catch (err) {
        client.disconnect();
        if (Date.now() > deadline) throw new Error('redis-server not ready in 60 s', { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    client.disconnect();
  }

  async kill9(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await exited(this.child);
  }
}

export class IngestProcess {
  child: ChildProcess | undefined;
  starts = 0;
  constructor(
    readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  start(): void {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/ingest/src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = logTo(this.logFile);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.starts++;
  }

  async kill9(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  /** SIGTERM: the final flush, then exit. */
  async stop(): Promise<number | null> {
    if (!this.child) return null;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await exited(this.child);
    return this.child.exitCode;
  }
}

/** Compaction of one day (`tools/soak/src/compact-day.ts`) as its own process, its summary in the log. */
export async function runCompaction(dataDir: string, date: string, logFile: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/soak/src/compact-day.ts', dataDir, date], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logTo(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  await exited(child);
  return child.exitCode;
}

/** RSS in bytes of a process and all its descendants (tsx runs the app in a child process). */
export async function treeRss(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(name));
  }
  let total = 0;
  for (const queue = [pid]; queue.length > 0;) {
    const p = queue.pop()!;
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    queue.push(...(parents.get(p) ?? []));
  }
  return total;
}
