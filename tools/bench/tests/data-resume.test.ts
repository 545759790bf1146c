// The data phase builds a month day by day and goes on after an interruption (--reuse) instead of starting over.
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionDir } from '@bsky-explorer/storage';
import { parseArgs } from '../src/args';
import { benchPaths } from '../src/paths';
import { dayDate, runData } from '../src/phases/data';

jest.setTimeout(180_000);

describe('bench data phase', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-data-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const filesOf = async (dataDir: string, k: number) => {
    const d = partitionDir(dataDir, 'posts', dayDate(k));
    const names = (await readdir(d)).sort();
    return Promise.all(names.map(async (n) => `${n}@${(await stat(join(d, n))).mtimeMs}`));
  };

  it('resumes an interrupted multi-day build at the first unfinished day', async () => {
    const o = parseArgs(['--days', '3', '--posts-per-day', '3000', '--out', dir, '--report-dir', '', '--reuse']);
    const paths = benchPaths(dir);
    const first = await runData(o, paths, () => {});
    expect(first.result.days).toBe(3);
    const perDay = first.result.postRowsStored / 3;
    expect(Number.isInteger(perDay)).toBe(true);

    // Interrupt "during" day 3: no final marker, progress says 2 days, day 3 half written.
    const day1Files = await filesOf(paths.dataDir, 0);
    const day2Files = await filesOf(paths.dataDir, 1);
    await rm(paths.marker);
    const progressFile = join(dir, 'data-progress.json');
    const progress = JSON.parse(await readFile(progressFile, 'utf8'));
    expect(progress.daysDone).toBe(3);
    await writeFile(progressFile, JSON.stringify({ ...progress, daysDone: 2 }));
    const day3 = partitionDir(paths.dataDir, 'posts', dayDate(2));
    for (const n of await readdir(day3)) if (n.startsWith('compacted-')) await rm(join(day3, n));
    await writeFile(join(day3, 'stray-partial.parquet'), 'not parquet');

    const lines: string[] = [];
    const second = await runData(o, paths, (l) => lines.push(l));
    expect(lines.join('\n')).toContain('2 of 3 day(s) already built');
    expect(second.result.postRowsStored).toBe(first.result.postRowsStored);
    // Days 1 and 2 were left as they were; day 3 was rebuilt without the stray file.
    expect(await filesOf(paths.dataDir, 0)).toEqual(day1Files);
    expect(await filesOf(paths.dataDir, 1)).toEqual(day2Files);
    expect(await readdir(day3)).not.toContain('stray-partial.parquet');

    // With the marker written, a third run reuses everything.
    const third = await runData(o, paths, (l) => lines.push(l));
    expect(third.result.reused).toBe(true);
  });
});
