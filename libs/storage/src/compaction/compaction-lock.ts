import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export class CompactionBusyError extends Error {
  override name = 'CompactionBusyError';
}

const LOCK_FILE = '.compaction.lock';
/** A lock older than this is taken over whoever holds it (a holder in another container we cannot probe). */
const STALE_MS = 6 * 3600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One compactor per data dir (ingest's schedule and `npm run compact` may overlap): an O_EXCL lock file holding
 * pid, host and time. A lock whose process is gone (same host) or that is very old is stale and taken over.
 */
export async function acquireCompactionLock(dataDir: string, now = Date.now()): Promise<() => Promise<void>> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: now }));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: { pid?: number; host?: string; at?: number } = {};
    try {
      holder = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      // unreadable (crashed while writing it): stale
    }
    const stale =
      typeof holder.pid !== 'number' ||
      (holder.host === hostname() && !alive(holder.pid)) ||
      (typeof holder.at === 'number' && now - holder.at > STALE_MS);
    if (!stale) throw new CompactionBusyError(`compaction already running (pid ${holder.pid} on ${holder.host})`);
    await rm(path, { force: true });
  }
  throw new CompactionBusyError('could not take the compaction lock');
}
