// The account against real Parquet files (libs/storage's writer, the ingest's file layout) and real DuckDB: the
// simulator's events as the data contract turns them into rows, then damaged on purpose.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { decodeEvent, toRows, type TableName, type TableRows } from '@bsky-explorer/schema';
import { flushFileName, partitionDir, partitionDate, writeParquet } from '@bsky-explorer/storage';
import { isMalformedPosition, isOversizedPosition, SyntheticFirehose } from '@bsky-explorer/jetstream-sim';
import { makeTempDir } from '@bsky-explorer/testing';
import { account, isClean } from './account';
import { subscribed, writeExpected } from './expected';

const SYNTHETIC = { seed: 7, startTimeUs: Date.parse('2026-06-01T10:00:00Z') * 1000, stepUs: 3000 };
const COUNT = 6000;
const SWITCHES = { malformedEvery: 500, oversizedEvery: 1500 };

/** The rows ingest would store for every well-formed subscribed position, by table. */
function storedRows(): { [T in TableName]: TableRows[T][] } {
  const f = new SyntheticFirehose(SYNTHETIC);
  const out = { posts: [], tombstones: [], accounts: [], identities: [] } as { [T in TableName]: TableRows[T][] };
  for (let i = 0; i < COUNT; i++) {
    if (!subscribed(f.meta(i))) continue;
    if (isMalformedPosition(i, SWITCHES.malformedEvery) || isOversizedPosition(i, SWITCHES.oversizedEvery)) continue;
    const d = decodeEvent(f.event(i).json);
    if (!d.ok) throw new Error(d.detail);
    const rows = toRows(d.event);
    if (!rows.ok) throw new Error(rows.detail);
    for (const r of rows.rows) (out[r.table] as unknown[]).push(r.row);
  }
  return out;
}

async function writeTable<T extends TableName>(dataDir: string, table: T, rows: TableRows[T][], name: string) {
  const date = partitionDate(SYNTHETIC.startTimeUs);
  await writeParquet(table, rows, join(partitionDir(dataDir, table, date), flushFileName(`${name}-0`, `${name}-1`)));
}

describe('the account', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    tmp = await makeTempDir('soak-account-');
  });
  afterEach(() => tmp.remove());

  it('writes what the simulator sent, with the broken positions counted apart', async () => {
    const e = await writeExpected(tmp.path, SYNTHETIC, COUNT, SWITCHES);
    const rows = storedRows();
    expect(e.rows).toEqual({
      posts: rows.posts.length,
      tombstones: rows.tombstones.length,
      accounts: rows.accounts.length,
      identities: rows.identities.length,
    });
    expect(e.oversized).toBe(
      4 - [1499, 2999, 4499, 5999].filter((i) => !subscribed(new SyntheticFirehose(SYNTHETIC).meta(i))).length,
    );
    expect(e.malformed).toBeGreaterThan(0);
    expect((await readFile(e.files.posts, 'utf8')).split('\n')[0]).toMatch(
      /^at:\/\/did:plc:\w+\/app\.bsky\.feed\.post\/\w+\tbafyrei\w+\t\d+$/,
    );
  });

  it('is clean when the files hold exactly what was sent', async () => {
    const e = await writeExpected(tmp.path, SYNTHETIC, COUNT, SWITCHES);
    const data = join(tmp.path, 'data');
    const rows = storedRows();
    // Two flush files per table, as a flush in groups would write them.
    for (const t of ['posts', 'tombstones', 'accounts', 'identities'] as const) {
      const half = Math.ceil(rows[t].length / 2);
      await writeTable(data, t, rows[t].slice(0, half) as never, '1');
      if (rows[t].length > half) await writeTable(data, t, rows[t].slice(half) as never, '2');
    }
    const a = await account(data, e);
    expect(isClean(a)).toBe(true);
    expect(a.posts).toMatchObject({
      expected: rows.posts.length,
      stored: rows.posts.length,
      found: rows.posts.length,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    });
    expect(a.identities.found).toBe(rows.identities.length);
  });

  it('finds a lost post, a post stored twice, a row never sent; a deleted post missing is not lost', async () => {
    const e = await writeExpected(tmp.path, SYNTHETIC, COUNT, SWITCHES);
    const data = join(tmp.path, 'data');
    const rows = storedRows();
    const deleted = new Set(rows.tombstones.filter((t) => t.kind === 'delete').map((t) => t.uri));
    const deletedVersion = rows.posts.findIndex((p) => deleted.has(p.uri));
    expect(deletedVersion).toBeGreaterThanOrEqual(0);
    const lost = rows.posts.findIndex(
      (p, i) => i > 10 && !deleted.has(p.uri) && !rows.tombstones.some((t) => t.uri === p.uri),
    );
    const posts = rows.posts.filter((_, i) => i !== lost && i !== deletedVersion);
    posts.push(rows.posts[3]); // a second copy
    posts.push({ ...rows.posts[4], cid: 'bafyreinotsentbythesimulator' });
    await writeTable(data, 'posts', posts, '1');
    await writeTable(data, 'tombstones', rows.tombstones, '1');
    await writeTable(data, 'accounts', rows.accounts.slice(1), '1');
    await writeTable(data, 'identities', rows.identities, '1');
    const a = await account(data, e);
    expect(isClean(a)).toBe(false);
    expect(a.posts).toMatchObject({ lost: 1, duplicated: 1, unexpected: 1, removedByCompaction: 1 });
    expect(a.posts.examples.lost).toEqual([`${rows.posts[lost].uri}|${rows.posts[lost].cid}`]);
    expect(a.posts.examples.unexpected).toEqual([`${rows.posts[4].uri}|bafyreinotsentbythesimulator`]);
    expect(a.accounts).toMatchObject({ lost: 1, duplicated: 0, unexpected: 0 });
    expect(a.tombstones.lost + a.identities.lost).toBe(0);
  });
});
