import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@bsky-explorer/testing';
import { listDataFiles } from './list-data-files';
import { writeManifest } from './manifest';
import { dateEndUs, dateStartUs, flushFileName, partitionDate, partitionDir } from './partition';

const us = (iso: string) => Date.parse(iso) * 1000;

describe('partition layout', () => {
  it('derives the UTC date of indexed_at, at the edges of a day too', () => {
    expect(partitionDate(us('2024-05-25T00:00:00.000Z'))).toBe('2024-05-25');
    expect(partitionDate(us('2024-05-25T23:59:59.999Z') + 999)).toBe('2024-05-25');
    expect(partitionDate(us('2024-05-26T00:00:00.000Z'))).toBe('2024-05-26');
    expect(dateStartUs('2024-05-25')).toBe(us('2024-05-25T00:00:00Z'));
    expect(dateEndUs('2024-05-25')).toBe(us('2024-05-26T00:00:00Z'));
  });

  it('builds Hive-style folders and rejects bad dates', () => {
    expect(partitionDir('/data', 'posts', '2024-05-25')).toBe('/data/posts/date=2024-05-25');
    expect(() => partitionDir('/data', 'posts', '2024-5-25')).toThrow(RangeError);
  });

  it('names flushes deterministically and in stream order', () => {
    const a = flushFileName('1716645600000-12', '1716645600999-3');
    expect(a).toBe(flushFileName('1716645600000-12', '1716645600999-3'));
    expect(a).toMatch(/^flush-1716645600000-0000000012_1716645600999-0000000003\.parquet$/);
    const names = [
      flushFileName('1716645600000-100', '1716645600001-0'),
      flushFileName('1716645600000-9', '1716645600000-99'),
      flushFileName('999-0', '1000-0'),
    ];
    expect([...names].sort()).toEqual([names[2], names[1], names[0]]);
    expect(() => flushFileName('abc', '1-1')).toThrow(RangeError);
  });
});

describe('listDataFiles', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-layout-');
  });
  afterEach(() => tmp.remove());

  const touch = async (date: string, name: string) => {
    const dir = partitionDir(tmp.path, 'posts', date);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), 'x');
    return join(dir, name);
  };

  it('prunes partitions to the range [from, to) and ignores temp files', async () => {
    const d1 = await touch('2024-05-24', 'flush-a.parquet');
    const d2 = await touch('2024-05-25', 'flush-b.parquet');
    await touch('2024-05-25', 'flush-c.parquet.tmp');
    const d3 = await touch('2024-05-26', 'flush-d.parquet');
    await mkdir(join(tmp.path, 'posts', 'not-a-partition'));

    expect(await listDataFiles(tmp.path, 'posts')).toEqual([d1, d2, d3]);
    expect(await listDataFiles(tmp.path, 'posts', { fromUs: us('2024-05-25T12:00:00Z') })).toEqual([d2, d3]);
    expect(await listDataFiles(tmp.path, 'posts', { toUs: us('2024-05-25T00:00:00Z') })).toEqual([d1]);
    expect(
      await listDataFiles(tmp.path, 'posts', { fromUs: us('2024-05-25T00:00:00Z'), toUs: us('2024-05-26T00:00:00Z') }),
    ).toEqual([d2]);
    expect(await listDataFiles(tmp.path, 'tombstones')).toEqual([]);
  });

  it('shows published compacted files and hides the flush files they replaced and unpublished outputs', async () => {
    const date = '2024-05-25';
    const f1 = await touch(date, 'flush-1.parquet');
    const f2 = await touch(date, 'flush-2.parquet');
    await touch(date, 'compacted-1-0.parquet');
    expect(await listDataFiles(tmp.path, 'posts')).toEqual([f1, f2]);

    await writeManifest(partitionDir(tmp.path, 'posts', date), {
      version: 1,
      table: 'posts',
      date,
      generation: 1,
      files: ['compacted-1-0.parquet'],
      replaced: [{ file: 'flush-1.parquet', at: 0 }],
      rows: 1,
      bytes: 1,
      publishedAt: 0,
    });
    const late = await touch(date, 'flush-3.parquet');
    expect(await listDataFiles(tmp.path, 'posts')).toEqual([
      join(partitionDir(tmp.path, 'posts', date), 'compacted-1-0.parquet'),
      f2,
      late,
    ]);
  });

  it('sees every change at once although listings are kept between calls', async () => {
    const date = '2024-05-25';
    const dir = partitionDir(tmp.path, 'posts', date);
    const f1 = await touch(date, 'flush-01.parquet');
    // Back to back, within the same millisecond: the folder's mtime (ns) still tells the listings apart.
    for (let i = 2; i <= 20; i++) {
      const f = await touch(date, `flush-${String(i).padStart(2, '0')}.parquet`);
      expect((await listDataFiles(tmp.path, 'posts')).at(-1)).toBe(f);
    }
    await rm(join(dir, 'flush-02.parquet'));
    expect(await listDataFiles(tmp.path, 'posts')).not.toContain(join(dir, 'flush-02.parquet'));
    await touch(date, 'compacted-1-0.parquet');
    await writeManifest(dir, {
      version: 1,
      table: 'posts',
      date,
      generation: 1,
      files: ['compacted-1-0.parquet'],
      replaced: [{ file: 'flush-01.parquet', at: 0 }],
      rows: 1,
      bytes: 1,
      publishedAt: 0,
    });
    const listed = await listDataFiles(tmp.path, 'posts');
    expect(listed[0]).toBe(join(dir, 'compacted-1-0.parquet'));
    expect(listed).not.toContain(f1);
    // A new partition appears too (the table folder is kept the same way).
    const next = await touch('2024-05-26', 'flush-x.parquet');
    expect((await listDataFiles(tmp.path, 'posts')).at(-1)).toBe(next);
    // What a caller changes in its listing never reaches the next caller.
    (await listDataFiles(tmp.path, 'posts')).length = 0;
    expect(await listDataFiles(tmp.path, 'posts')).toContain(next);
  });
});
