import { execFile } from 'node:child_process';
import { basename, resolve } from 'node:path';
import { promisify } from 'node:util';
import { writeFlushBatch } from '@bsky-explorer/storage';
import { postRow } from '@bsky-explorer/testing';
import { makeTempDir, parquetFiles } from './_util';

// `npm run compact` removes the flush files it replaced before it exits (after the grace that protects running
// queries), unless told not to wait: an operator who runs it to reclaim disk gets the disk back.

jest.setTimeout(60_000);

const ROOT = resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

async function compact(dataDir: string, args: string[] = []) {
  return run(process.execPath, ['--import', 'tsx', 'apps/ingest/src/compact.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, COMPACTION_GRACE_MS: '1500', COMPACTION_MEMORY_LIMIT: '1GB' },
  });
}

describe('npm run compact', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-compact-cli-');
    // Two flushes into a closed day (2024-05-25).
    for (const b of [0, 1]) {
      const rows = [0, 1, 2].map((i) => ({ table: 'posts' as const, row: postRow(b * 3 + i) }));
      await writeFlushBatch(tmp.path, { firstId: `${b + 1}-0`, lastId: `${b + 1}-2`, rows });
    }
  });
  afterEach(() => tmp.remove());

  const names = async () => (await parquetFiles(tmp.path, 'posts')).map((f) => basename(f));

  it('compacts the closed day and removes the replaced flush files before it exits', async () => {
    expect((await names()).filter((n) => n.startsWith('flush-'))).toHaveLength(2);
    const { stdout, stderr } = await compact(tmp.path);
    expect(JSON.parse(stdout).days.map((d: { date: string }) => d.date)).toEqual(['2024-05-25']);
    expect(stderr).toMatch(/removed 2 replaced file\(s\)/);
    expect((await names()).filter((n) => n.startsWith('flush-'))).toEqual([]);
    expect(await names()).toContain('compacted-1-0.parquet');
  });

  it('--no-wait leaves the replaced files to the next run, which removes them', async () => {
    await compact(tmp.path, ['--no-wait']);
    expect((await names()).filter((n) => n.startsWith('flush-'))).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1600));
    const { stdout } = await compact(tmp.path, ['--no-wait']);
    expect(JSON.parse(stdout).deleted).toBe(2);
    expect((await names()).filter((n) => n.startsWith('flush-'))).toEqual([]);
  });

  it('refuses an unknown option with exit code 2', async () => {
    const err = (await compact(tmp.path, ['--frobnicate']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/frobnicate/);
  });
});
