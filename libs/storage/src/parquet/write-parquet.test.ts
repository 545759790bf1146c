import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DuckDBInstance,
  LIST,
  TIMESTAMP,
  VARCHAR,
  listValue,
  timestampValue,
  type DuckDBConnection,
} from '@duckdb/node-api';
import type { PostRow, TableRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { listDataFiles } from '../layout/list-data-files';
import { flushFileName, partitionDir } from '../layout/partition';
import { sampleAccount, samplePost, sampleTombstone } from './sample-rows';
import { writeFlushBatch } from './write-flush-batch';
import { writeParquet } from './write-parquet';

const us = (iso: string) => Date.parse(iso) * 1000;

describe('parquet writer', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
  });
  afterAll(() => {
    conn.closeSync();
    db.closeSync();
  });
  beforeEach(async () => {
    tmp = await makeTempDir('bsky-parquet-');
  });
  afterEach(() => tmp.remove());

  const readBack = async (files: string[], extra = '') => {
    const reader = await conn.runAndReadAll(
      `SELECT * REPLACE (epoch_us(created_at) AS created_at, epoch_us(indexed_at) AS indexed_at, time_us::DOUBLE AS time_us)
       FROM read_parquet($files) ${extra} ORDER BY uri, time_us`,
      { files: listValue(files) },
      { files: LIST(VARCHAR) },
    );
    return reader.getRowObjectsJS().map((r): Record<string, unknown> => ({
      ...r,
      created_at: r.created_at === null ? null : Number(r.created_at),
      indexed_at: Number(r.indexed_at),
    }));
  };

  it('round-trips every column exactly: lists, nulls, timestamps, text with emoji, CJK, RTL and controls', async () => {
    const t = us('2024-05-25T14:00:00.123Z') + 456;
    const rows: PostRow[] = [
      samplePost(1, t, {
        text: 'Héllo 👩🏽‍💻🏳️‍🌈 東京タワー 한국어 مرحبا بالعالم שלום "quotes" \\ % _ \n\t\u0000 end',
        langs: ['en', 'ja', 'ar'],
        mentions: ['did:plc:a', 'did:plc:b'],
        tags: ['日本', 'émoji🎉'],
        links: ['https://example.com/ü?q=1&r=2'],
        labels: ['porn'],
        embed_kind: 'recordWithMedia',
        quoted_uri: 'at://did:plc:q/app.bsky.feed.post/q',
        external_uri: 'https://ext.example',
        reply_root_uri: 'at://did:plc:r/app.bsky.feed.post/root',
        reply_parent_uri: 'at://did:plc:r/app.bsky.feed.post/parent',
        operation: 'update',
      }),
      samplePost(2, t + 1, {
        text: '',
        created_at: null,
        langs: [],
        mentions: [],
        tags: [],
        links: [],
        labels: [],
        embed_kind: null,
        reply_root_uri: null,
        reply_parent_uri: null,
      }),
      samplePost(3, t + 2, { created_at: us('2099-12-31T23:59:59Z') + 999_999, text: 'x'.repeat(3000) }),
    ];
    const file = join(tmp.path, 'posts.parquet');
    const result = await writeParquet('posts', rows, file);
    expect(result.rows).toBe(3);
    expect(result.bytes).toBe((await stat(file)).size);
    expect(await readdir(tmp.path)).toEqual(['posts.parquet']);

    const back = await readBack([file]);
    expect(back).toEqual([...rows].sort((a, b) => (a.uri < b.uri ? -1 : 1)));

    const types = await conn.runAndReadAll(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($f))`,
      {
        f: file,
      },
    );
    expect(Object.fromEntries(types.getRows())).toMatchObject({
      indexed_at: 'TIMESTAMP',
      created_at: 'TIMESTAMP',
      time_us: 'BIGINT',
      langs: 'VARCHAR[]',
      text: 'VARCHAR',
    });
    // indexed_at compares with a bound TIMESTAMP parameter.
    const count = await conn.runAndReadAll(
      `SELECT count(*)::INT FROM read_parquet($f) WHERE indexed_at >= $from`,
      { f: file, from: timestampValue(BigInt(t + 1)) },
      { f: VARCHAR, from: TIMESTAMP },
    );
    expect(count.getRows()[0][0]).toBe(2);
  });

  it('keeps value boundaries when lone surrogates sit at the edges of neighbouring values', async () => {
    const t = us('2024-05-25T00:00:00Z');
    const rows = [
      samplePost(1, t, { text: 'end\uD83D' }),
      samplePost(2, t, { text: '\uDE00start' }),
      samplePost(3, t, { text: '😀' }),
    ];
    const file = join(tmp.path, 'surrogates.parquet');
    await writeParquet('posts', rows, file);
    const back = await readBack([file]);
    expect(back.map((r) => r.text)).toEqual(['end\uFFFD', '\uFFFDstart', '😀']);
  });

  it('writes tombstones and accounts with their own schemas', async () => {
    const t = us('2024-05-25T00:00:00Z');
    const post = samplePost(1, t);
    const tomb = join(tmp.path, 't.parquet');
    const acc = join(tmp.path, 'a.parquet');
    await writeParquet('tombstones', [sampleTombstone(post, 'delete', t + 5)], tomb);
    await writeParquet('accounts', [sampleAccount(post.did, false, t), sampleAccount('did:plc:z', true, t + 1)], acc);
    const tr = await conn.runAndReadAll(`SELECT uri, kind, time_us::DOUBLE FROM read_parquet($f)`, { f: tomb });
    expect(tr.getRowsJS()).toEqual([[post.uri, 'delete', t + 5]]);
    const ar = await conn.runAndReadAll(`SELECT did, active, status FROM read_parquet($f) ORDER BY did`, { f: acc });
    expect(ar.getRowsJS()).toEqual([
      [post.did, false, 'deactivated'],
      ['did:plc:z', true, null],
    ]);
  });

  it('rejects a row that breaks the column contract', async () => {
    const bad = { ...samplePost(1, 1), uri: null } as unknown as PostRow;
    await expect(writeParquet('posts', [bad], join(tmp.path, 'x.parquet'))).rejects.toThrow(/column uri/);
    expect(await readdir(tmp.path)).toEqual([]);
  });

  it('splits a flush by table and partition date, and a redone flush replaces its files', async () => {
    const d1 = us('2024-05-24T23:59:59.999Z');
    const d2 = us('2024-05-25T00:00:00Z');
    const p1 = samplePost(1, d1);
    const p2 = samplePost(2, d2);
    const p3 = samplePost(3, d2 + 10);
    const rows: TableRow[] = [
      { table: 'posts', row: p1 },
      { table: 'posts', row: p2 },
      { table: 'tombstones', row: sampleTombstone(p1, 'delete', d2 + 20) },
      { table: 'posts', row: p3 },
      { table: 'accounts', row: sampleAccount(p1.did, true, d1) },
    ];
    const batch = { firstId: '1716595199999-0', lastId: '1716595200010-4', rows };
    const written = await writeFlushBatch(tmp.path, batch);
    const name = flushFileName(batch.firstId, batch.lastId);
    expect(written.map(({ table, date, path, rows: n }) => ({ table, date, path, rows: n }))).toEqual([
      { table: 'posts', date: '2024-05-24', path: join(partitionDir(tmp.path, 'posts', '2024-05-24'), name), rows: 1 },
      { table: 'posts', date: '2024-05-25', path: join(partitionDir(tmp.path, 'posts', '2024-05-25'), name), rows: 2 },
      {
        table: 'tombstones',
        date: '2024-05-25',
        path: join(partitionDir(tmp.path, 'tombstones', '2024-05-25'), name),
        rows: 1,
      },
      {
        table: 'accounts',
        date: '2024-05-24',
        path: join(partitionDir(tmp.path, 'accounts', '2024-05-24'), name),
        rows: 1,
      },
    ]);
    expect(written.every((w) => w.bytes > 0)).toBe(true);

    // The crash-and-redo case: the same batch again yields the same files, not a second copy of the rows.
    await writeFlushBatch(tmp.path, batch);
    const files = await listDataFiles(tmp.path, 'posts');
    expect(files).toHaveLength(2);
    expect((await readBack(files)).map((r) => r.uri)).toEqual([p1.uri, p2.uri, p3.uri].sort());
    expect(await readdir(partitionDir(tmp.path, 'posts', '2024-05-25'))).toEqual([name]);
  });
});
