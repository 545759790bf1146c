import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { listDataFiles } from '../layout/list-data-files';
import { partitionDate } from '../layout/partition';
import type { QueryObservation } from '../duckdb/pool';
import { FilterError, UnknownHandleError } from './filter';
import { DAY, HOUR, T0, flush, identity, post } from './fixtures.test-util';
import { PostStore } from './post-store';

// Handles through the identities table: a handle resolves to the DID that held it most recently, a DID to its
// newest handle; author, mentions and from: take either.

const ALICE = 'did:plc:alice';
const BOB = 'did:plc:bob';
const CAROL = 'did:plc:carol';
const NOBODY = 'did:plc:neverseen';

describe('handles (identities table)', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: PostStore;
  const observed: QueryObservation[] = [];

  const posts = [
    post(1, { did: ALICE, text: 'alice one' }),
    post(2, { did: ALICE, text: 'alice two', indexed_at: T0 + DAY + HOUR }),
    post(3, { did: BOB, text: 'bob one', mentions: [ALICE] }),
    post(4, { did: CAROL, text: 'carol one', mentions: [BOB] }),
    post(5, { did: NOBODY, text: '=nobody one' }),
  ];

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-identities-');
    // Day 1: alice is "alice.bsky.social", bob "bob.bsky.social"; carol's event has no handle.
    // Day 2: alice moves to "alice.example.com" and bob takes "alice.bsky.social"; a later handle-less event of
    // alice does not erase her handle.
    await flush(tmp.path, {
      posts,
      identities: [
        identity(ALICE, 'alice.bsky.social', T0 - HOUR),
        identity(BOB, 'bob.bsky.social', T0 - HOUR + 1),
        identity(CAROL, null, T0),
      ],
    });
    await flush(tmp.path, {
      identities: [
        identity(ALICE, 'alice.example.com', T0 + DAY),
        identity(BOB, 'alice.bsky.social', T0 + DAY + 1),
        identity(ALICE, null, T0 + DAY + 2),
      ],
    });
    store = await PostStore.create({
      dataDir: tmp.path,
      threads: 2,
      poolSize: 2,
      queryTimeoutMs: 20_000,
      onQuery: (o) => observed.push(o),
    });
  });
  afterAll(async () => {
    await store.close();
    await tmp.remove();
  });

  const authorUris = async (author: string) =>
    (await store.search({ author, first: 100 })).rows.map((r) => r.uri).sort();
  const urisOf = (did: string) =>
    posts
      .filter((p) => p.did === did)
      .map((p) => p.uri)
      .sort();

  it('writes identity rows to their own date-partitioned table', async () => {
    const files = await listDataFiles(tmp.path, 'identities');
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.includes(`date=${partitionDate(T0)}`))).toBe(true);
    expect(files.some((f) => f.includes(`date=${partitionDate(T0 + DAY)}`))).toBe(true);
  });

  it('resolves a handle to the DID that held it most recently, any case, with or without "@"', async () => {
    const dids = await store.didsOf(['alice.bsky.social', '@Alice.Example.COM', 'bob.bsky.social', 'x.invalid']);
    expect(Object.fromEntries(dids)).toEqual({
      'alice.bsky.social': BOB,
      'alice.example.com': ALICE,
      'bob.bsky.social': BOB,
    });
  });

  it('gives each DID its newest handle, null when none was seen, in one query', async () => {
    const before = observed.length;
    const handles = await store.handlesOf([ALICE, BOB, CAROL, NOBODY, ALICE]);
    expect(observed.length).toBe(before + 1);
    expect(Object.fromEntries(handles)).toEqual({
      [ALICE]: 'alice.example.com',
      [BOB]: 'alice.bsky.social',
      [CAROL]: null,
      [NOBODY]: null,
    });
  });

  it('searches by handle exactly as by DID; the old holder of a handle no longer answers to it', async () => {
    expect(await authorUris('alice.example.com')).toEqual(urisOf(ALICE));
    expect(await authorUris('ALICE.example.com')).toEqual(await authorUris(ALICE));
    // alice.bsky.social now belongs to bob.
    expect(await authorUris('alice.bsky.social')).toEqual(urisOf(BOB));
    expect(await authorUris('bob.bsky.social')).toEqual(urisOf(BOB));
    const fromText = (await store.search({ text: 'from:alice.example.com one', first: 100 })).rows.map((r) => r.uri);
    expect(fromText).toEqual([posts[0].uri]);
    // from: and author agree once both are resolved.
    expect((await store.count({ text: 'from:alice.example.com', author: ALICE })).count).toBe(2);
    await expect(store.count({ text: 'from:alice.example.com', author: BOB })).rejects.toThrow(/disagrees/);
  });

  it('filters mentions by handle', async () => {
    const mentioning = await store.search({ mentions: 'alice.example.com', first: 100 });
    expect(mentioning.rows.map((r) => r.uri)).toEqual([posts[2].uri]);
    expect((await store.count({ mentions: 'alice.bsky.social' })).count).toBe(1); // bob, mentioned by carol
    const volume = await store.postVolume({ author: 'alice.example.com' }, 'DAY');
    expect(volume.reduce((a, b) => a + b.count, 0)).toBe(2);
  });

  it('refuses an unknown handle with UnknownHandleError (a FilterError naming the argument)', async () => {
    for (const [args, argument] of [
      [{ author: 'nobody.bsky.social' }, 'author'],
      [{ mentions: 'nobody.bsky.social' }, 'mentions'],
      [{ text: 'hello from:nobody.bsky.social' }, 'text'],
    ] as const) {
      const err = await store.search({ ...args, first: 1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnknownHandleError);
      expect(err).toBeInstanceOf(FilterError);
      expect((err as FilterError).argument).toBe(argument);
      expect((err as Error).message).toMatch(/unknown handle "nobody.bsky.social" .*not seen in identity events/);
    }
    // Malformed: neither a DID nor a handle, refused before any query.
    const before = observed.length;
    await expect(store.search({ mentions: 'not an account', first: 1 })).rejects.toThrow(
      /must be a DID .* or a handle/,
    );
    expect(observed.length).toBe(before);
  });

  it("exports each row's author handle right after authorDid, empty when never seen", async () => {
    const out = `${tmp.path}/export.csv`;
    const { rowCount } = await store.exportCsv({ limit: 100 }, out);
    expect(rowCount).toBe(posts.length);
    const raw = await readFile(out, 'utf8');
    expect(raw.split('\r\n')[0].split(',').slice(2, 4)).toEqual(['authorDid', 'authorHandle']);
    const records = parse(raw, { columns: true }) as Record<string, string>[];
    const handleOf = Object.fromEntries(records.map((r) => [r.authorDid, r.authorHandle]));
    expect(handleOf).toEqual({
      [ALICE]: 'alice.example.com',
      [BOB]: 'alice.bsky.social',
      [CAROL]: '',
      [NOBODY]: '',
    });
    // Order is still page order (newest first).
    expect(records.map((r) => r.uri)).toEqual(
      [...posts].sort((a, b) => b.indexed_at - a.indexed_at || (a.uri < b.uri ? 1 : -1)).map((p) => p.uri),
    );
  });

  it('resolves the same after compaction (the history is kept)', async () => {
    // A replayed flush writes the same rows again under another name: compaction keeps one of each.
    await flush(tmp.path, { identities: [identity(ALICE, 'alice.example.com', T0 + DAY)] });
    for (const d of [T0, T0 + DAY]) await compactDay(tmp.path, partitionDate(d), { graceMs: 0 });
    const files = await listDataFiles(tmp.path, 'identities');
    expect(files.every((f) => /compacted-/.test(f))).toBe(true);
    expect(Object.fromEntries(await store.didsOf(['alice.bsky.social', 'alice.example.com']))).toEqual({
      'alice.bsky.social': BOB,
      'alice.example.com': ALICE,
    });
    expect((await store.handlesOf([ALICE])).get(ALICE)).toBe('alice.example.com');
    expect(await authorUris('alice.bsky.social')).toEqual(urisOf(BOB));
  });
});
