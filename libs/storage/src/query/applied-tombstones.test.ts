import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { listDataFiles, listPostFiles } from '../layout/list-data-files';
import { readManifest, writeManifest } from '../layout/manifest';
import { partitionDir } from '../layout/partition';
import { hidingFiles } from './applied-tombstones';
import { DAY, HOUR, T0, edited, flush, post, tombstone } from './fixtures.test-util';
import type { FileSets } from './post-sql';
import { PostStore } from './post-store';

// A compacted posts day records the tombstone files its compaction applied, and later compaction runs apply newer
// tombstone files to it as hidden-version files; readers of only such days skip those tombstone files. Whatever a
// reader skips, a delete or an edit must still hide its post's old version on every path, before and after any
// compaction.

const tombstonesFor = (files: FileSets) => hidingFiles(files).tombstones;

const DAY1 = '2024-05-24';
const posts = Array.from({ length: 12 }, (_, i) =>
  post(i, { indexed_at: T0 - DAY + i * HOUR, time_us: T0 - DAY + i * HOUR, text: `coffee ${i}` }),
);

async function fileSets(dataDir: string, range: { fromUs?: number; toUs?: number } = {}): Promise<FileSets> {
  const p = await listPostFiles(dataDir, range);
  return {
    posts: p.all,
    indexed: p.indexed,
    unindexed: p.unindexed,
    tombstones: await listDataFiles(dataDir, 'tombstones'),
    accounts: [],
  };
}

describe('tombstones applied by compaction', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-applied-');
  });
  afterEach(() => tmp.remove());

  it('are recorded in the posts manifest, skipped by readers of those days only, and never un-hide a post', async () => {
    await flush(tmp.path, { posts, tombstones: [tombstone(posts[1], 'delete', posts[1].time_us + 5)] });
    expect(posts[0].indexed_at).toBeGreaterThanOrEqual(Date.parse(`${DAY1}T00:00:00Z`) * 1000);
    await compactDay(tmp.path, DAY1, { graceMs: 0 });
    const manifest = await readManifest(partitionDir(tmp.path, 'posts', DAY1));
    const tombstoneFiles = await listDataFiles(tmp.path, 'tombstones');
    expect(tombstoneFiles.length).toBe(1);
    expect(manifest?.appliedTombstones).toEqual([tombstoneFiles[0].slice(tmp.path.length + 1)]);
    expect(tombstonesFor(await fileSets(tmp.path))).toEqual([]);

    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const day = { fromUs: T0 - DAY - HOUR, toUs: T0 + DAY };
    const visible = async () => (await store.search({ text: 'coffee', first: 100, ...day })).rows.map((r) => r.uri);
    expect(await visible()).toEqual(
      posts
        .filter((_, i) => i !== 1)
        .map((p) => p.uri)
        .reverse(),
    );

    // A delete that arrives after the compaction, in a later day's flush: not applied, so read, so hiding.
    const late = await flush(tmp.path, { tombstones: [tombstone(posts[3], 'delete', T0 + 2 * DAY)] });
    expect(tombstonesFor(await fileSets(tmp.path))).toEqual(late);
    const expected = posts.filter((_, i) => i !== 1 && i !== 3).map((p) => p.uri);
    expect(await visible()).toEqual([...expected].reverse());
    expect((await store.getByUris([posts[3].uri, posts[4].uri])).has(posts[3].uri)).toBe(false);
    expect((await store.count({ text: 'coffee', ...day })).count).toBe(expected.length);

    // Compacting the tombstones' own day renames its files: the new file is not recorded as applied, so read.
    await compactDay(tmp.path, '2024-05-27', { graceMs: 0, tables: ['tombstones'] });
    const renamed = await listDataFiles(tmp.path, 'tombstones');
    expect(renamed).not.toContain(late[0]);
    expect(tombstonesFor(await fileSets(tmp.path))).toEqual(renamed.filter((t) => t !== tombstoneFiles[0]));
    expect(await visible()).toEqual([...expected].reverse());

    // A flush file among the posts read: every tombstone file may hide one of its rows.
    await flush(tmp.path, { posts: [post(99, { indexed_at: T0 - DAY + 20 * HOUR, time_us: T0 - DAY + 20 * HOUR })] });
    expect(tombstonesFor(await fileSets(tmp.path))).toEqual(renamed);
  });

  it('are applied on the next run to a day compacted before they were, the hit versions kept in a hidden-version file', async () => {
    await flush(tmp.path, { posts, tombstones: [tombstone(posts[1], 'delete', posts[1].time_us + 5)] });
    await compactDay(tmp.path, DAY1, { graceMs: 0 });
    // As an older version left it: no record.
    const dir = partitionDir(tmp.path, 'posts', DAY1);
    const { appliedTombstones, ...old } = (await readManifest(dir))!;
    expect(appliedTombstones).toHaveLength(1);
    await writeManifest(dir, old);
    expect(tombstonesFor(await fileSets(tmp.path))).toHaveLength(1);
    // Later: one tombstone file hides a row of the day, another hides nothing there.
    const hiding = await flush(tmp.path, { tombstones: [tombstone(posts[3], 'delete', T0 + 2 * DAY)] });
    const harmless = await flush(tmp.path, { tombstones: [tombstone(post(500), 'delete', T0 + 2 * DAY)] });
    await compactDay(tmp.path, DAY1, { graceMs: 0, tables: ['posts'] });
    const manifest = (await readManifest(dir))!;
    expect([...(manifest.appliedTombstones ?? [])].sort()).toEqual(
      (await listDataFiles(tmp.path, 'tombstones')).map((t) => t.slice(tmp.path.length + 1)).sort(),
    );
    expect(manifest.appliedTombstones).toContain(harmless[0].slice(tmp.path.length + 1));
    expect(manifest.hidden).toHaveLength(1);
    const sets = await fileSets(tmp.path);
    expect(hidingFiles(sets)).toEqual({ tombstones: [], hidden: manifest.hidden!.map((h) => `${dir}/${h}`) });
    expect(hiding).toHaveLength(1);
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const rows = (await store.search({ text: 'coffee', first: 100 })).rows.map((r) => r.uri);
    expect(rows).toEqual(
      posts
        .filter((_, i) => i !== 1 && i !== 3)
        .map((p) => p.uri)
        .reverse(),
    );
  });

  it('later deletes and edits of a closed day: hidden on every path once applied, the edit shown, and dropped by the next generation', async () => {
    await flush(tmp.path, { posts });
    await compactDay(tmp.path, DAY1, { graceMs: 0 });
    const dir = partitionDir(tmp.path, 'posts', DAY1);
    // Two days later: post 3 deleted, post 5 edited (its new version is a row of that later day).
    const newer = edited(posts[5], 'coffee edited');
    await flush(tmp.path, {
      posts: [{ ...newer, indexed_at: newer.indexed_at + DAY, time_us: newer.time_us + DAY }],
      tombstones: [tombstone(posts[3], 'delete', T0 + 2 * DAY), tombstone(posts[5], 'supersede', newer.time_us + DAY)],
    });
    const laterDay = '2024-05-26';
    await compactDay(tmp.path, laterDay, { graceMs: 0 });
    await compactDay(tmp.path, DAY1, { graceMs: 0, tables: ['posts'] });
    const manifest = (await readManifest(dir))!;
    expect(manifest.hidden).toHaveLength(1);
    // Every tombstone file is applied by both days: queries read none, only the hidden versions.
    const sets = await fileSets(tmp.path);
    expect(sets.indexed?.map((d) => d.date)).toEqual([DAY1, laterDay]);
    expect(hidingFiles(sets).tombstones).toEqual([]);

    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const expectVisible = async () => {
      const uris = (await store.search({ text: 'coffee', first: 100 })).rows;
      const expected = posts.filter((_, i) => i !== 3).map((p) => p.uri);
      expect(uris.map((r) => r.uri).sort()).toEqual([...expected].sort());
      expect(uris.find((r) => r.uri === posts[5].uri)?.text).toBe('coffee edited');
      expect((await store.count({ text: 'coffee' })).count).toBe(expected.length);
      expect((await store.search({ text: 'coffee 3', first: 10 })).rows).toEqual([]);
      expect((await store.getByUris([posts[3].uri])).has(posts[3].uri)).toBe(false);
      expect((await store.getByUris([posts[5].uri])).get(posts[5].uri)?.text).toBe('coffee edited');
      expect((await store.search({ author: posts[3].did, first: 100 })).rows.map((r) => r.uri)).not.toContain(
        posts[3].uri,
      );
    };
    await expectVisible();

    // A run with nothing new publishes nothing more.
    await compactDay(tmp.path, DAY1, { graceMs: 0, tables: ['posts'] });
    expect((await readManifest(dir))?.hidden).toEqual(manifest.hidden);

    // A late post of the day makes a new generation: it drops the hidden rows, and the hidden file is replaced.
    const lateUs = T0 - DAY + 11 * HOUR + HOUR / 2;
    await flush(tmp.path, { posts: [post(77, { indexed_at: lateUs, time_us: lateUs, text: 'tea' })] });
    await compactDay(tmp.path, DAY1, { graceMs: 60_000 });
    const next = (await readManifest(dir))!;
    expect(next.generation).toBe(manifest.generation + 1);
    expect(next.hidden).toBeUndefined();
    expect(next.replaced.map((r) => r.file)).toEqual(expect.arrayContaining(manifest.hidden!));
    await expectVisible();
  });
});
