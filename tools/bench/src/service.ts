// Child processes for the services under test: started with `node --import tsx` (one process, so its RSS is the
// service's own), their output kept in a log file, polled until ready, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export interface Service {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logPath: string;
  /** Peak resident set (VmHWM) so far, in bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

export const REPO_ROOT = resolve(__dirname, '../../..');

export function startService(
  entry: string,
  env: Record<string, string>,
  logPath: string,
  args: readonly string[] = [],
): Service {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  if (child.pid === undefined) throw new Error(`could not start ${entry}`);
  const pid = child.pid;
  return {
    child,
    pid,
    logPath,
    async peakRss() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : 0;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((done) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(t);
          done();
        });
        child.kill('SIGTERM');
      });
      log.end();
    },
  };
}

/** Polls `url` until it answers 2xx, the child exits, or the deadline passes. */
export async function waitHttpOk(url: string, service: Service, timeoutMs = 120_000): Promise<void> {
  return waitAnswer(url, service, timeoutMs, (res) => res.ok);
}

/** Polls `url` until it answers at all (any status: a WebSocket-only server says 404 or 426), as waitHttpOk. */
export async function waitListening(url: string, service: Service, timeoutMs = 120_000): Promise<void> {
  return waitAnswer(url, service, timeoutMs, () => true);
}

async function waitAnswer(
  url: string,
  service: Service,
  timeoutMs: number,
  ready: (res: Response) => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.child.exitCode !== null) {
      const tail = (await readFile(service.logPath, 'utf8').catch(() => '')).slice(-2000);
      throw new Error(`service exited with ${service.child.exitCode} before ${url} was ready:\n${tail}`);
    }
    try {
      if (ready(await fetch(url))) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms (log: ${service.logPath})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads one Prometheus sample (sum over label sets matching `labels`) from a /metrics text. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}
