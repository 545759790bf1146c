import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface Eviction {
  removed: string[];
  /** Bytes of finished exports left. */
  bytes: number;
}

/**
 * Keeps the finished exports (`*.csv`) in `dir` within `maxBytes` by removing the oldest first (their mtime is
 * their expiry, and every export lives the same TTL, so the earliest expiry is the oldest export; ties by ctime,
 * set when the file was renamed into place). `keep` (the
 * export just written) is never removed. maxBytes 0: no limit.
 */
export async function enforceDiskBudget(dir: string, maxBytes: number, keep?: string): Promise<Eviction> {
  const files: { name: string; size: number; mtimeMs: number; ctimeMs: number }[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.csv')) continue;
    try {
      const info = await stat(join(dir, name));
      if (info.isFile()) files.push({ name, size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs });
    } catch {
      // Removed meanwhile (expired download, sweep): not counted.
    }
  }
  let bytes = files.reduce((sum, f) => sum + f.size, 0);
  const removed: string[] = [];
  if (maxBytes === 0) return { removed, bytes };
  // Expiries are whole seconds: exports of the same second are ordered by when they were renamed into place.
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.ctimeMs - b.ctimeMs || (a.name < b.name ? -1 : 1));
  for (const f of files) {
    if (bytes <= maxBytes) break;
    if (f.name === keep) continue;
    await rm(join(dir, f.name), { force: true });
    bytes -= f.size;
    removed.push(f.name);
  }
  return { removed, bytes };
}
