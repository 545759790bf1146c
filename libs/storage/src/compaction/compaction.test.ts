import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { PostRow, TableRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { listDataFiles } from '../layout/list-data-files';
import {
  MANIFEST_FILE,
  readManifest,
  writeManifest,
  type PartitionIndex,
  type PartitionManifest,
} from '../layout/manifest';
import { dateStartUs, partitionDir } from '../layout/partition';
import { sampleAccount, samplePost, sampleTombstone } from '../parquet/sample-rows';
import { PostStore } from '../query/post-store';
import { writeFlushBatch } from '../parquet/write-flush-batch';
import { compactClosedDays, compactDay } from './compact-day';
import { acquireCompactionLock, CompactionBusyError } from './compaction-lock';
import type { CompactionStep } from './compact-partition';
import { postsWithDerivedColumns } from '../posts-columns';

const DAY = '2024-05-25';
const NEXT = '2024-05-26';
const T0 = dateStartUs(DAY);
const T1 = dateStartUs(NEXT);
const NOW = T1 / 1000 + 2 * 86_400_000; // two days later, in ms
const GRACE = 60_000;

describe('compaction', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:', { threads: '2' });
    conn = await db.connect();
  });
  afterAll(() => {
    conn.closeSync();
    db.closeSync();
  });
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-compact-');
  });
  afterEach(() => tmp.remove());

  const bind = (files: string[]) => [{ files: listValue(files) }, { files: LIST(VARCHAR) }] as const;

  /** Post rows of a table's visible file set, as a reader sees them (uri, cid, time_us), sorted. */
  async function visible(c: DuckDBConnection = conn, table: 'posts' | 'tombstones' | 'accounts' = 'posts') {
    const files = await listDataFiles(tmp.path, table);
    if (files.length === 0) return [];
    const cols =
      table === 'accounts'
        ? 'did, active, time_us::DOUBLE'
        : table === 'posts'
          ? 'uri, cid, time_us::DOUBLE'
          : 'uri, kind, time_us::DOUBLE';
    const source = table === 'posts' ? postsWithDerivedColumns('read_parquet($files)') : 'read_parquet($files)';
    const reader = await c.runAndReadAll(`SELECT ${cols} FROM ${source} ORDER BY ALL`, ...bind(files));
    return reader.getRowsJS();
  }

  /** What the read path shows: distinct post uris without a delete tombstone. */
  async function liveUriCount(c: DuckDBConnection) {
    const posts = await listDataFiles(tmp.path, 'posts');
    const tombs = await listDataFiles(tmp.path, 'tombstones');
    const reader = await c.runAndReadAll(
      `SELECT count(DISTINCT uri)::INT FROM ${postsWithDerivedColumns('read_parquet($posts)')}
       WHERE uri NOT IN (SELECT uri FROM read_parquet($tombs) WHERE kind = 'delete')`,
      { posts: listValue(posts), tombs: listValue(tombs) },
      { posts: LIST(VARCHAR), tombs: LIST(VARCHAR) },
    );
    return reader.getRowsJS()[0][0] as number;
  }

  /**
   * Day DAY: 100 posts in batch 1; batch 2 replays posts 0..9 and the accounts (at-least-once delivery), updates
   * post 10 (new version + supersede tombstone); on the next day post 20 is deleted and post 30 updated.
   */
  async function seed(postsPerBatch = 100, batches = 1) {
    const base: PostRow[] = [];
    for (let b = 0; b < batches; b++) {
      const rows: TableRow[] = [];
      for (let i = 0; i < postsPerBatch; i++) {
        const n = b * postsPerBatch + i;
        const p = samplePost(n, T0 + n * 1000);
        base.push(p);
        rows.push({ table: 'posts', row: p });
      }
      if (b === 0) rows.push({ table: 'accounts', row: sampleAccount(base[0].did, false, T0 + 5) });
      await writeFlushBatch(tmp.path, { firstId: `${1000 + b}-0`, lastId: `${1000 + b}-9`, rows });
    }
    const update10: PostRow = {
      ...base[10],
      cid: 'bafyupdated10',
      operation: 'update',
      time_us: T0 + 50_000_000,
      indexed_at: T0 + 50_000_000,
    };
    await writeFlushBatch(tmp.path, {
      firstId: '2000-0',
      lastId: '2000-9',
      rows: [
        ...base.slice(0, 10).map((row): TableRow => ({ table: 'posts', row })),
        { table: 'accounts', row: sampleAccount(base[0].did, false, T0 + 5) },
        { table: 'posts', row: update10 },
        { table: 'tombstones', row: sampleTombstone(update10, 'supersede', update10.time_us) },
      ],
    });
    const update30: PostRow = {
      ...base[30],
      cid: 'bafyupdated30',
      operation: 'update',
      time_us: T1 + 7,
      indexed_at: T1 + 7,
    };
    await writeFlushBatch(tmp.path, {
      firstId: '3000-0',
      lastId: '3000-9',
      rows: [
        { table: 'tombstones', row: sampleTombstone(base[20], 'delete', T1 + 5) },
        { table: 'tombstones', row: sampleTombstone(update30, 'supersede', update30.time_us) },
        { table: 'posts', row: update30 },
      ],
    });
    return { base, update10, update30 };
  }

  it('merges a day into sorted files without duplicates, superseded versions or deleted posts', async () => {
    const { base, update10 } = await seed();
    const summary = await compactDay(tmp.path, DAY, { now: NOW, graceMs: GRACE });
    const posts = summary.partitions.find((p) => p.table === 'posts');
    expect(posts).toMatchObject({ compacted: true, generation: 1, filesIn: 2, rowsIn: 111, rowsOut: 98 });
    expect(summary.rowsOut).toBe(98 + 1 + 1); // posts + the supersede tombstone + the deduplicated account

    const expected = base
      .filter((_, i) => i !== 10 && i !== 20 && i !== 30)
      .concat(update10)
      .sort((a, b) => b.indexed_at - a.indexed_at || (a.uri < b.uri ? -1 : 1));
    const files = await listDataFiles(tmp.path, 'posts', { fromUs: T0, toUs: T1 });
    expect(files).toEqual([join(partitionDir(tmp.path, 'posts', DAY), 'compacted-1-0.parquet')]);
    const reader = await conn.runAndReadAll(
      `SELECT uri, cid, time_us::DOUBLE FROM ${postsWithDerivedColumns('read_parquet($files)')}`,
      ...bind(files),
    );
    // File order = read order; uri and time_us derived from did, rkey and indexed_at.
    expect(reader.getRowsJS()).toEqual(expected.map((p) => [p.uri, p.cid, p.time_us]));
    // Stored as NULL columns: the schema stays the contract's, the bytes go.
    const stored = await conn.runAndReadAll(
      `SELECT count(*) FILTER (WHERE uri IS NOT NULL OR time_us IS NOT NULL)::INT FROM read_parquet($files)`,
      ...bind(files),
    );
    expect(stored.getRowsJS()).toEqual([[0]]);

    const types = await conn.runAndReadAll(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($files))`,
      ...bind(files),
    );
    expect(Object.fromEntries(types.getRows())).toMatchObject({
      indexed_at: 'TIMESTAMP',
      created_at: 'TIMESTAMP',
      langs: 'VARCHAR[]',
    });

    // The flush files stay on disk for the grace period but are no longer visible.
    const manifest = JSON.parse(await readFile(join(partitionDir(tmp.path, 'posts', DAY), MANIFEST_FILE), 'utf8'));
    expect(manifest.replaced.map((r: { file: string }) => r.file)).toHaveLength(2);
    expect((await readdir(partitionDir(tmp.path, 'posts', DAY))).filter((f) => f.startsWith('flush-'))).toHaveLength(2);

    expect(await visible(conn, 'accounts')).toEqual([[base[0].did, false, T0 + 5]]);
    expect(await visible(conn, 'tombstones')).toHaveLength(3);
  });

  it('is idempotent, merges late flushes into a new generation, and deletes replaced files only after the grace period', async () => {
    await seed();
    await compactDay(tmp.path, DAY, { now: NOW, graceMs: GRACE });
    const after1 = await visible();
    const again = await compactDay(tmp.path, DAY, { now: NOW, graceMs: GRACE });
    expect(again.partitions.every((p) => !p.compacted && p.deleted === 0)).toBe(true);
    expect(await visible()).toEqual(after1);

    // A late flush for the closed day (e.g. a batch flushed after midnight).
    const late = samplePost(500, T0 + 999);
    await writeFlushBatch(tmp.path, { firstId: '4000-0', lastId: '4000-1', rows: [{ table: 'posts', row: late }] });
    const withLate = [...after1, [late.uri, late.cid, late.time_us]].sort();
    expect((await visible()).sort()).toEqual(withLate);

    const run2 = await compactClosedDays(tmp.path, { now: NOW + 1000, graceMs: GRACE });
    expect(run2.days.map((d) => d.date)).toEqual([DAY, NEXT]); // the next day is closed too by now
    expect(run2.days[0].partitions.find((p) => p.table === 'posts')).toMatchObject({
      generation: 2,
      filesIn: 2,
      deleted: 0,
    });
    expect((await visible()).sort()).toEqual(withLate);
    const dir = partitionDir(tmp.path, 'posts', DAY);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort()).toEqual([
      'by-author-1.parquet',
      'by-author-2.parquet',
      'by-facet-1.parquet',
      'by-facet-2.parquet',
      'by-token-1.parquet',
      'by-token-2.parquet',
      'compacted-1-0.parquet',
      'compacted-2-0.parquet',
      expect.stringMatching(/^flush-/),
      expect.stringMatching(/^flush-/),
      expect.stringMatching(/^flush-/),
      'sample-1.parquet',
      'sample-2.parquet',
      'token-blocks-1.parquet',
      'token-blocks-2.parquet',
      'token-grams-1.parquet',
      'token-grams-2.parquet',
      'tokens-1.parquet',
      'tokens-2.parquet',
    ]);

    // Past the grace period, the next run removes what was replaced; what readers see does not change.
    const run3 = await compactClosedDays(tmp.path, { now: NOW + 1000 + GRACE, graceMs: GRACE });
    expect(run3.deleted).toBeGreaterThanOrEqual(6);
    const current = [
      'by-author-2.parquet',
      'by-facet-2.parquet',
      'by-token-2.parquet',
      'compacted-2-0.parquet',
      'sample-2.parquet',
      'token-blocks-2.parquet',
      'token-grams-2.parquet',
      'tokens-2.parquet',
    ];
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort()).toEqual(current);
    expect((await visible()).sort()).toEqual(withLate);

    // A flush redone after compaction under the same deterministic name stays hidden, and is swept.
    await writeFlushBatch(tmp.path, { firstId: '4000-0', lastId: '4000-1', rows: [{ table: 'posts', row: late }] });
    expect((await visible()).sort()).toEqual(withLate);
    const run4 = await compactClosedDays(tmp.path, { now: NOW + 2000 + GRACE, graceMs: GRACE });
    expect(run4.days.flatMap((d) => d.partitions).some((p) => p.compacted)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort()).toEqual(current);
  });

  it('leaves today alone in compactClosedDays', async () => {
    await seed();
    const run = await compactClosedDays(tmp.path, { now: T1 / 1000 + 1000, graceMs: GRACE });
    expect(run.days.map((d) => d.date)).toEqual([DAY]);
    expect((await readdir(partitionDir(tmp.path, 'posts', NEXT))).some((f) => f.startsWith('compacted-'))).toBe(false);
  });

  it('splits a large day into several files in read order, read exactly as before', async () => {
    await seed(2000, 3);
    // Reads that open only the files holding their keys (file-spans.ts): the same answers over the flush files
    // and over the split day.
    await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 30_000 });
    const uris = [5, 2500, 4100, 5999].map((n) => samplePost(n, T0 + n * 1000).uri);
    const reads = async () => ({
      author: (await store.search({ author: 'did:plc:sample0005', first: 100 })).rows.map((r) => r.uri),
      text: (await store.search({ text: 'café', first: 500 })).rows.map((r) => r.uri),
      authorText: (await store.search({ author: 'did:plc:sample0007', text: 'fox', first: 100 })).rows.map(
        (r) => r.uri,
      ),
      latest: (await store.search({ first: 300 })).rows.map((r) => r.uri),
      range: (await store.search({ fromUs: T0 + 1_000_000_000, toUs: T0 + 3_000_000_000, first: 300 })).rows.map(
        (r) => r.uri,
      ),
      lookup: [...(await store.getByUris(uris)).keys()].sort(),
    });
    const before = await reads();
    expect(before.author.length).toBeGreaterThan(3);
    expect(before.text.length).toBeGreaterThan(100);
    expect(before.lookup).toHaveLength(4);
    await compactDay(tmp.path, DAY, { now: NOW, maxFileBytes: 20_000, rowGroupSize: 2048 });
    expect(await reads()).toEqual(before);
    const files = await listDataFiles(tmp.path, 'posts', { fromUs: T0, toUs: T1 });
    expect(files.length).toBeGreaterThan(1);
    let prevMin = Infinity;
    for (const [n, f] of files.entries()) {
      expect(f.endsWith(`compacted-1-${n}.parquet`)).toBe(true);
      const r = await conn.runAndReadAll(
        `SELECT epoch_us(min(indexed_at))::DOUBLE, epoch_us(max(indexed_at))::DOUBLE FROM read_parquet($f)`,
        { f },
      );
      const [min, max] = r.getRowsJS()[0] as number[];
      expect(max).toBeLessThanOrEqual(prevMin);
      prevMin = min;
    }
    expect(await liveUriCount(conn)).toBe(6000 - 1);
    expect((await visible()).length).toBe(6000 - 2 + 1); // minus deleted 20 and superseded 30, plus 30's new version
  });

  it('writes side files of the live rows, sorted for lookups, published in the manifest; indexes older partitions too', async () => {
    await seed();
    await compactDay(tmp.path, DAY, { now: NOW, graceMs: 0 });
    const dir = partitionDir(tmp.path, 'posts', DAY);
    const manifest = await readManifest(dir);
    expect(manifest?.index).toMatchObject({ byAuthor: 'by-author-1.parquet' });
    expect(manifest?.index).not.toHaveProperty('byUri'); // uri lookups go through by-author
    expect(manifest?.index?.bytes).toBeGreaterThan(0);
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowsJS().map((r) => r.map(String).join(' '));
    const posts = join(dir, 'compacted-1-0.parquet');
    // Exactly the compacted (live) rows, in the side file's order.
    expect(await rows(`SELECT did, indexed_at, uri FROM read_parquet('${join(dir, 'by-author-1.parquet')}')`)).toEqual(
      await rows(
        `SELECT did, indexed_at, uri FROM ${postsWithDerivedColumns(`read_parquet('${posts}')`)} ORDER BY did, indexed_at DESC, uri DESC`,
      ),
    );
    expect(await readManifest(partitionDir(tmp.path, 'tombstones', DAY))).not.toHaveProperty('index');

    // A partition compacted before side files existed gains them on the next run, as a new generation of the same files.
    const { index: _dropped, ...old } = manifest as PartitionManifest;
    await writeManifest(dir, old);
    await rm(join(dir, 'by-author-1.parquet'));
    const before = await visible();
    const run = await compactDay(tmp.path, DAY, { now: NOW + 1, graceMs: 0, tables: ['posts'] });
    expect(run.partitions[0]).toMatchObject({ compacted: true, generation: 2 });
    expect(run.partitions[0].indexBytes).toBeGreaterThan(0);
    const indexed = await readManifest(dir);
    expect(indexed).toMatchObject({
      generation: 2,
      files: ['compacted-1-0.parquet'],
      index: { byAuthor: 'by-author-2.parquet' },
    });
    expect((await readdir(dir)).sort()).toEqual([
      'by-author-2.parquet',
      'by-facet-2.parquet',
      'by-token-2.parquet',
      'compacted-1-0.parquet',
      MANIFEST_FILE,
      'sample-2.parquet',
      'token-blocks-2.parquet',
      'token-grams-2.parquet',
      'tokens-2.parquet',
    ]);
    expect(await visible()).toEqual(before);
    const again = await compactDay(tmp.path, DAY, { now: NOW + 2, graceMs: 0, tables: ['posts'] });
    expect(again.partitions[0].compacted).toBe(false);

    // A partition indexed before the token files existed gains them alone; its by-author stays.
    const {
      tokens: _t,
      byToken: _b,
      tokenBlocks: _tb,
      tokenGrams: _tg,
      ...keyFiles
    } = (indexed as PartitionManifest).index as PartitionIndex;
    await writeManifest(dir, { ...(indexed as PartitionManifest), index: keyFiles });
    for (const f of ['tokens-2', 'by-token-2', 'token-blocks-2', 'token-grams-2']) await rm(join(dir, `${f}.parquet`));
    const upgraded = await compactDay(tmp.path, DAY, { now: NOW + 3, graceMs: 0, tables: ['posts'] });
    expect(upgraded.partitions[0]).toMatchObject({ compacted: true, generation: 3 });
    const tokenIndexed = (await readManifest(dir)) as PartitionManifest;
    expect(tokenIndexed.index).toMatchObject({
      byAuthor: 'by-author-2.parquet',
      tokens: 'tokens-3.parquet',
      byToken: 'by-token-3.parquet',
      tokenBlocks: 'token-blocks-3.parquet',
      tokenGrams: 'token-grams-3.parquet',
    });
    expect((await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort()).toEqual([
      'by-author-2.parquet',
      'by-facet-2.parquet',
      'by-token-3.parquet',
      'compacted-1-0.parquet',
      'sample-2.parquet',
      'token-blocks-3.parquet',
      'token-grams-3.parquet',
      'tokens-3.parquet',
    ]);
    expect(await visible()).toEqual(before);

    // A partition indexed before the gram index existed gains it alone, counted in its index bytes.
    const { tokenBlocks: _b3, tokenGrams: _g3, ...tokenFiles } = tokenIndexed.index as PartitionIndex;
    await writeManifest(dir, { ...tokenIndexed, index: { ...tokenFiles, bytes: 1000 } });
    await rm(join(dir, 'token-blocks-3.parquet'));
    await rm(join(dir, 'token-grams-3.parquet'));
    const grams = await compactDay(tmp.path, DAY, { now: NOW + 4, graceMs: 0, tables: ['posts'] });
    expect(grams.partitions[0]).toMatchObject({ compacted: true, generation: 4 });
    const gramBytes =
      (await stat(join(dir, 'token-blocks-4.parquet'))).size + (await stat(join(dir, 'token-grams-4.parquet'))).size;
    expect(grams.partitions[0].indexBytes).toBe(1000 + gramBytes);
    expect((await readManifest(dir))?.index).toEqual({
      ...tokenFiles,
      tokenBlocks: 'token-blocks-4.parquet',
      tokenGrams: 'token-grams-4.parquet',
      bytes: 1000 + gramBytes,
    });
    expect(await visible()).toEqual(before);
    const done = await compactDay(tmp.path, DAY, { now: NOW + 5, graceMs: 0, tables: ['posts'] });
    expect(done.partitions[0].compacted).toBe(false);

    // A partition indexed before by-facet existed gains it alone.
    const { byFacet: _f, ...withoutFacets } = (await readManifest(dir))?.index as PartitionIndex;
    await writeManifest(dir, { ...((await readManifest(dir)) as PartitionManifest), index: withoutFacets });
    await rm(join(dir, 'by-facet-2.parquet'));
    const facets = await compactDay(tmp.path, DAY, { now: NOW + 6, graceMs: 0, tables: ['posts'] });
    expect(facets.partitions[0]).toMatchObject({ compacted: true, generation: 5 });
    expect((await readManifest(dir))?.index).toEqual({
      ...withoutFacets,
      byFacet: 'by-facet-5.parquet',
      bytes: withoutFacets.bytes + (await stat(join(dir, 'by-facet-5.parquet'))).size,
    });
    expect(await visible()).toEqual(before);

    // A partition indexed before the sample existed gains it alone.
    const { sample: _s, ...withoutSample } = (await readManifest(dir))?.index as PartitionIndex;
    await writeManifest(dir, { ...((await readManifest(dir)) as PartitionManifest), index: withoutSample });
    await rm(join(dir, 'sample-2.parquet'));
    const sampled = await compactDay(tmp.path, DAY, { now: NOW + 7, graceMs: 0, tables: ['posts'] });
    expect(sampled.partitions[0]).toMatchObject({ compacted: true, generation: 6 });
    expect((await readManifest(dir))?.index).toEqual({
      ...withoutSample,
      sample: 'sample-6.parquet',
      bytes: withoutSample.bytes + (await stat(join(dir, 'sample-6.parquet'))).size,
    });
    expect(await visible()).toEqual(before);
    const settled = await compactDay(tmp.path, DAY, { now: NOW + 8, graceMs: 0, tables: ['posts'] });
    expect(settled.partitions[0].compacted).toBe(false);
  });

  it('writes the sample: the live rows whose md5(uri) falls under the share, as the posts files store and sort them', async () => {
    await seed(2000, 3);
    await compactDay(tmp.path, DAY, { now: NOW, graceMs: 0 });
    const dir = partitionDir(tmp.path, 'posts', DAY);
    const sample = join(dir, 'sample-1.parquet');
    const posts = join(dir, 'compacted-1-0.parquet');
    const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowsJS();
    // The membership rule, computed here independently of the SQL: md5's first 32 bits below 1 % of 2^32.
    const live = (await read(`SELECT uri FROM ${postsWithDerivedColumns(`read_parquet('${posts}')`)}`)).map(
      ([uri]) => uri as string,
    );
    const chosen = live.filter(
      (uri) => parseInt(createHash('md5').update(uri).digest('hex').slice(0, 8), 16) < 0.01 * 2 ** 32,
    );
    expect(chosen.length).toBeGreaterThan(30);
    expect(chosen.length).toBeLessThan(90); // ~1 % of 5,999
    // The same rows as the posts files, every column, in their order (indexed_at DESC, uri), uri and time_us derived.
    const rows = (file: string, where = 'true', order = '') =>
      read(
        `SELECT p.* REPLACE (p.indexed_at::VARCHAR AS indexed_at, p.created_at::VARCHAR AS created_at)
         FROM ${postsWithDerivedColumns(`read_parquet('${file}')`)} p WHERE ${where} ${order}`,
      );
    const uris = `p.uri IN (SELECT unnest([${chosen.map((u) => `'${u}'`).join(', ')}]))`;
    expect(await rows(sample)).toEqual(await rows(posts, uris, 'ORDER BY p.indexed_at DESC, p.uri'));
    expect(await read(`SELECT count(*) FILTER (WHERE uri IS NOT NULL)::INT FROM read_parquet('${sample}')`)).toEqual([
      [0],
    ]);
    // A post stays in (or out of) the sample in the next generation: a late flush does not reshuffle it.
    await writeFlushBatch(tmp.path, {
      firstId: '5000-0',
      lastId: '5000-1',
      rows: [{ table: 'posts', row: samplePost(9000, T0 + 77) }],
    });
    await compactDay(tmp.path, DAY, { now: NOW + 1, graceMs: 0 });
    const next = await read(
      `SELECT uri FROM ${postsWithDerivedColumns(`read_parquet('${join(dir, 'sample-2.parquet')}')`)}`,
    );
    const late = samplePost(9000, T0 + 77).uri;
    const lateChosen = parseInt(createHash('md5').update(late).digest('hex').slice(0, 8), 16) < 0.01 * 2 ** 32;
    expect(next.map(([u]) => u).sort()).toEqual([...chosen, ...(lateChosen ? [late] : [])].sort());
  });

  it('writes the token files: every token of the live rows with its post count, postings of the rare ones only', async () => {
    const day = Array.from({ length: 12 }, (_, n) =>
      samplePost(n, T0 + n, { text: n % 2 ? `Common WORD, rare${n}` : `common ÉTÉ-${n} Straße` }),
    );
    await writeFlushBatch(tmp.path, {
      firstId: '1-0',
      lastId: '1-1',
      rows: day.map((row) => ({ table: 'posts', row })),
    });
    await compactDay(tmp.path, DAY, { now: NOW, graceMs: 0, rareTokenMaxDf: 6 });
    const dir = partitionDir(tmp.path, 'posts', DAY);
    const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
    const vocabulary = await read(`SELECT token, df, posted FROM read_parquet('${join(dir, 'tokens-1.parquet')}')`);
    // Lower-cased, split at anything but letters and digits, counted once per post, sorted by token.
    expect(vocabulary.slice(0, 3)).toEqual([
      { token: '0', df: 1, posted: true },
      { token: '10', df: 1, posted: true },
      { token: '2', df: 1, posted: true },
    ]);
    expect(vocabulary.find((v) => v.token === 'common')).toEqual({ token: 'common', df: 12, posted: false });
    expect(vocabulary.find((v) => v.token === 'word')).toEqual({ token: 'word', df: 6, posted: true });
    expect(vocabulary.find((v) => v.token === 'été')).toEqual({ token: 'été', df: 6, posted: true });
    expect(vocabulary.find((v) => v.token === 'straße')).toEqual({ token: 'straße', df: 6, posted: true });
    const postings = await read(
      `SELECT key AS token, epoch_us(indexed_at)::DOUBLE AS t FROM read_parquet('${join(dir, 'by-token-1.parquet')}')`,
    );
    expect(postings.some((p) => p.token === 'common')).toBe(false);
    expect(postings.filter((p) => p.token === 'word').map((p) => p.t)).toEqual([11, 9, 7, 5, 3, 1].map((n) => T0 + n));
    expect(postings.filter((p) => p.token === 'rare3')).toEqual([{ token: 'rare3', t: T0 + 3 }]);
    expect(postings.length).toBe(vocabulary.filter((v) => v.posted).reduce((a, v) => a + Number(v.df), 0));
  });

  const steps: CompactionStep[] = ['plan', 'clean', 'write', 'publish', 'sweep'];
  it.each(steps)('a crash after the %s step leaves a consistent set, and a rerun finishes the job', async (step) => {
    await seed();
    const before = await visible();
    const beforeCount = await liveUriCount(conn);
    const dir = partitionDir(tmp.path, 'posts', DAY);
    // Debris of an earlier crash in the middle of a write: a staging folder and a temp file.
    await mkdir(join(dir, '.compacting-1'), { recursive: true });
    await writeFile(join(dir, '.compacting-1', 'data_0.parquet'), 'half a file');
    await writeFile(join(dir, 'compacted-1-0.parquet.tmp'), 'half a file');
    // …and of a crash while writing side files: their staging folder and a side file never published.
    await mkdir(join(dir, '.compacting-side-1'), { recursive: true });
    await writeFile(join(dir, '.compacting-side-1', 'by-author-1.parquet'), 'half a file');
    await writeFile(join(dir, 'by-author-7.parquet'), 'never published');

    await compactDay(tmp.path, DAY, { now: NOW, graceMs: 0, stopAfter: step });
    const mid = await visible();
    const published = step === 'publish' || step === 'sweep';
    if (published)
      expect(mid.length).toBe(98 + 1); // the day's 98 + post 30's new version on the next day
    else expect(mid).toEqual(before);
    expect(await liveUriCount(conn)).toBe(beforeCount);

    await compactDay(tmp.path, DAY, { now: NOW, graceMs: 0 });
    const entries = await readdir(dir);
    expect(entries.sort()).toEqual([
      'by-author-1.parquet',
      'by-facet-1.parquet',
      'by-token-1.parquet',
      'compacted-1-0.parquet',
      MANIFEST_FILE,
      'sample-1.parquet',
      'token-blocks-1.parquet',
      'token-grams-1.parquet',
      'tokens-1.parquet',
    ]);
    expect(await liveUriCount(conn)).toBe(beforeCount);
    expect((await visible()).filter((r) => Number(r[2]) < T1)).toHaveLength(98);
  });

  it('refuses to run beside another compactor', async () => {
    await seed();
    const release = await acquireCompactionLock(tmp.path);
    try {
      await expect(compactDay(tmp.path, DAY, { now: NOW })).rejects.toBeInstanceOf(CompactionBusyError);
    } finally {
      await release();
    }
    await expect(compactDay(tmp.path, DAY, { now: NOW })).resolves.toMatchObject({ date: DAY });
  });

  it('never fails or changes the answer of queries running during the swap', async () => {
    await seed(2500, 8);
    const readerDb = await DuckDBInstance.create(':memory:', { threads: '1' });
    const readers = await Promise.all([readerDb.connect(), readerDb.connect()]);
    try {
      const expected = await liveUriCount(readers[0]);
      expect(expected).toBe(20_000 - 1);
      let done = false;
      const seen: number[] = [];
      const fileSets = new Set<string>();
      const loop = async (c: DuckDBConnection) => {
        do {
          fileSets.add(
            (await listDataFiles(tmp.path, 'posts', { fromUs: T0, toUs: T1 })).some((f) => f.includes('compacted-'))
              ? 'new'
              : 'old',
          );
          seen.push(await liveUriCount(c));
        } while (!done);
      };
      const loops = readers.map(loop);
      await compactDay(tmp.path, DAY, { now: NOW, graceMs: GRACE, rowGroupSize: 4096 });
      done = true;
      await Promise.all(loops);
      seen.push(await liveUriCount(readers[0]));
      expect(fileSets.has('old')).toBe(true);
      expect(seen.length).toBeGreaterThan(2);
      expect(new Set(seen)).toEqual(new Set([expected]));
      expect(await listDataFiles(tmp.path, 'posts', { fromUs: T0, toUs: T1 })).toEqual([
        join(partitionDir(tmp.path, 'posts', DAY), 'compacted-1-0.parquet'),
      ]);
    } finally {
      for (const c of readers) c.closeSync();
      readerDb.closeSync();
    }
  });
});
