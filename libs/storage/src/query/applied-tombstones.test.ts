import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { listDataFiles, listPostFiles } from '../layout/list-data-files';
import { readManifest, writeManifest } from '../layout/manifest';
import { partitionDir } from '../layout/partition';
import { tombstonesFor } from './applied-tombstones';
import { DAY, HOUR, T0, flush, post, tombstone } from './fixtures.test-util';
import type { FileSets } from './post-sql';
import { PostStore } from './post-store';

// A compacted posts day records the tombstone files its compaction applied; readers of only such days skip them.
// Whatever a reader skips, a delete must still hide its post on every path, before and after any compaction.

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

  it('are recorded on the next run for a day compacted before they were: the files that hide none of its rows', async () => {
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
    const recorded = (await readManifest(dir))?.appliedTombstones ?? [];
    expect(recorded.sort()).toEqual(
      (await listDataFiles(tmp.path, 'tombstones'))
        .filter((t) => t !== hiding[0])
        .map((t) => t.slice(tmp.path.length + 1))
        .sort(),
    );
    expect(recorded).toContain(harmless[0].slice(tmp.path.length + 1));
    expect(tombstonesFor(await fileSets(tmp.path))).toEqual(hiding);
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 20_000 });
    const rows = (await store.search({ text: 'coffee', first: 100 })).rows.map((r) => r.uri);
    expect(rows).toEqual(
      posts
        .filter((_, i) => i !== 1 && i !== 3)
        .map((p) => p.uri)
        .reverse(),
    );
  });
});
