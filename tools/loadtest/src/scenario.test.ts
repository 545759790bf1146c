import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compactDay, listDataFiles, writeFlushBatch } from '@bsky-explorer/storage';
import { makeTempDir, postRow, waitFor } from '@bsky-explorer/testing';
import { startScenario } from './scenario';

// What runs beside the load works on a hard-linked copy: the data set given is left exactly as it was.

jest.setTimeout(120_000);

const DATE = '2024-05-25';

/** Every file under `dir` with its size and inode: a rewrite in place or a removal shows. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const s = await stat(path);
    out.push(`${path.slice(dir.length)} ${s.size} ${s.ino} ${s.mtimeMs}`);
  }
  return out.sort();
}

describe('load test scenarios', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let dataDir: string;
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-scenario-');
    dataDir = join(tmp.path, 'data');
    const rows = Array.from({ length: 200 }, (_, n) => ({ table: 'posts' as const, row: postRow(n) }));
    await writeFlushBatch(dataDir, { firstId: '1-0', lastId: '1-9', rows });
    await compactDay(dataDir, DATE, { graceMs: 0 });
  });
  afterEach(() => tmp.remove());

  it('compaction: compacts the newest day again in the copy, then removes the copy', async () => {
    const before = await snapshot(dataDir);
    const manifest = await readFile(join(dataDir, 'posts', `date=${DATE}`, 'manifest.json'), 'utf8');
    const scenario = await startScenario('compaction', dataDir, () => {});
    expect(scenario.dataDir).not.toBe(dataDir);
    await waitFor(
      'the compaction to end',
      async () => /which ended .* exit code 0/.test(await scenario.describe()),
      60_000,
    );
    // The copy holds the next generation, with the late post; the original still the first.
    const copied = await listDataFiles(scenario.dataDir, 'posts');
    expect(copied.some((f) => f.endsWith('compacted-2-0.parquet'))).toBe(true);
    await scenario.stop();
    await scenario.stop(); // twice is fine
    expect(await readdir(tmp.path)).toEqual(['data']);
    expect(await snapshot(dataDir)).toEqual(before);
    expect(await readFile(join(dataDir, 'posts', `date=${DATE}`, 'manifest.json'), 'utf8')).toBe(manifest);
  });

  it('flushes: a live ingest flushes into the copy, counted in the description', async () => {
    const before = await snapshot(dataDir);
    const scenario = await startScenario('flushes', dataDir, () => {});
    try {
      await waitFor('a flush', async () => /: [1-9]\d* flushes into the data/.test(await scenario.describe()), 60_000);
      expect((await listDataFiles(scenario.dataDir, 'posts')).length).toBeGreaterThan(
        (await listDataFiles(dataDir, 'posts')).length,
      );
    } finally {
      await scenario.stop();
    }
    expect(await readdir(tmp.path)).toEqual(['data']);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it('rest: the data set itself, nothing beside it', async () => {
    const scenario = await startScenario('rest', dataDir, () => {});
    expect(scenario.dataDir).toBe(dataDir);
    expect(await scenario.describe()).toMatch(/^at rest/);
    await scenario.stop();
    expect(await readdir(tmp.path)).toEqual(['data']);
  });
});
