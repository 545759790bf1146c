import { Redis } from 'ioredis';
import type { PostRow } from '@bsky-explorer/schema';
import { waitFor } from '@bsky-explorer/testing';
import { HOUR, T0, account, pagedUris, post, tombstone } from '../query/fixtures.test-util';
import { PostStore, type SearchArgs } from '../query/post-store';
import type { CountLimits } from '../query/count/count-posts';
import type { DuckDbPool } from '../duckdb/pool';
import { termParts } from '../query/term-parts';
import { compactDay } from '../compaction/compact-day';
import { partitionDate } from '../layout/partition';
import { ingestKeys } from '../stream/keys';
import { ingestStreamFixture } from './ingest-stream.test-util';
import { TailFollower } from './tail-follower';

// The tail's text index only narrows which tail rows a query reads: every answer must be the one of the same tail
// scanned. Two stores follow the same stream, one with the index (a low bound, so that some tokens are common) and
// one without (the oracle), and every entry point is compared over texts that exercise the index: substrings
// inside longer words, any case, Greek sigma, phrases, exclusions, words absent from the tail, common words.

const keys = ingestKeys('ingest:');
const DAY = 24 * HOUR;

/** Texts searched at every step. */
const TEXTS = [
  'SOCIAL', // a word and words containing it (antisocial, socially), any case
  'Social -anti', // an exclusion beside it
  '"so social"', // a phrase
  'ZanZiBar', // rare
  'zanzib', // a part of a rare word
  'nowhere-to-be-found', // a part no token holds: nothing of the tail is read
  'οδός', // Greek, final sigma
  'ΟΔΟΣ', // capital sigma
  '猫', // inside a CJK run (one token)
  'the', // common: the tail is scanned
  'the zanzibar', // common and rare: narrowed by the rare part
  '"good morning"', // a phrase whose words are in other posts in another order
  'kelvin', // K (U+212A KELVIN SIGN) lower-cases to k
  '-zanzibar', // only an exclusion: scanned
];

/** Rows for the fixtures: `n` picks author (n % 5) and time, `text` the text, `langs` default ['en']. */
const p = (n: number, text: string, more: Partial<PostRow> = {}) => post(n, { text, ...more });

const YESTERDAY = [
  p(1, 'Zanzibar yesterday', { indexed_at: T0 - DAY + 1 }),
  p(2, 'so social yesterday', { indexed_at: T0 - DAY + 2 }),
  p(3, 'the day before', { indexed_at: T0 - DAY + 3 }),
];
const FLUSHED = [p(10, 'antisocial in a file'), p(11, 'the flushed ΟΔΟΣ'), p(12, 'good morning flushed')];
const TAIL_1 = [
  p(20, 'so social today', { langs: ['pt'] }),
  p(21, 'ANTISOCIAL shouting'),
  p(22, 'Sociology is not it'),
  p(23, 'zanzibarian spice'),
  p(24, 'the οδός again'),
  p(25, 'ΟΔΟΣ in capitals'),
  p(26, '猫が好き'),
  p(27, 'party 🎉 time'),
  p(28, 'good morning all', { langs: ['pt'] }),
  p(29, 'morning good all'),
  p(30, 'the the the'),
  p(31, 'the end'),
  p(32, '\u212AELVIN temperature'), // U+212A KELVIN SIGN: lower() makes it k
  p(34, 'the start'),
  p(33, 'Zanzibar trip'),
];
const TAIL_2 = [p(40, 'socially awkward'), p(41, 'zanzibar again, later'), p(42, 'the newest'), p(43, 'Οδύσσεια')];

/** Small count limits: counts and aggregations take the estimate and read-back paths instead of one scan. */
const SMALL: CountLimits = { exactScanRows: 6, sampleRows: 8 };

describe('the tail text index: every answer equals the scan of the same tail', () => {
  const env = ingestStreamFixture(keys, 'bsky-tail-text-');

  const graph = async (textIndexMaxPostings: number, countLimits: CountLimits = {}) => {
    const store = await PostStore.create({
      dataDir: env.dataDir,
      queryTimeoutMs: 20_000,
      countLimits,
      tail: { textIndexMaxPostings },
    });
    const redisClient = new Redis(env.redis.url, { maxRetriesPerRequest: 1 });
    const follower = new TailFollower({ redis: redisClient, keys, tail: store.tail!, batchEntries: 3 });
    env.track(store, follower);
    return { store, follower };
  };
  const catchUp = async (...followers: TailFollower[]) => {
    for (const follower of followers) while ((await follower.round(false)) > 0);
  };

  /** What search and export answer for a text, alone and with other filters, in both orders and by pages. */
  const searches = async (store: PostStore, text: string) => {
    const uris = (a: Omit<SearchArgs, 'first'>) =>
      store.search({ ...a, first: 1000 }).then((r) => r.rows.map((x) => x.uri));
    return {
      latest: await uris({ text }),
      oldest: await uris({ text, sort: 'OLDEST' }),
      author: await uris({ text, author: 'did:plc:author3' }),
      lang: await uris({ text, langs: ['pt'] }),
      today: await uris({ text, fromUs: T0, toUs: T0 + HOUR, sort: 'OLDEST' }),
      pagedLatest: await pagedUris(store, { text }, 2),
      pagedOldest: await pagedUris(store, { text, sort: 'OLDEST' }, 2),
      exported: (await store.exportCsv({ text, limit: 1000 }, `${env.dataDir}/x-${Math.random()}.csv`)).rowCount,
    };
  };
  /** What counts and aggregations answer for a text, alone and with an author or a language. */
  const counts = async (store: PostStore, text: string) => ({
    count: await store.count({ text }),
    authorCount: await store.count({ text, author: 'did:plc:author3' }),
    langCount: await store.count({ text, langs: ['pt'] }),
    volume: await store.postVolume({ text }, 'DAY'),
    authorLangs: await store.topFacets({ text, author: 'did:plc:author3' }, 'langs', 5),
  });

  /** Whether the store's tail narrows `text` (the comparison would prove nothing if it never did). */
  const narrows = async (store: PostStore, text: string) => {
    const snapshot = store.tail!.snapshot();
    if (!snapshot) return false;
    const pool = (store as unknown as { pool: DuckDbPool }).pool;
    const parts = await pool.use('search', (session) => termParts(session, text));
    return store.tail!.textCandidates(snapshot.gen, parts) !== undefined;
  };

  it('across deletes, edits, hidden accounts, a flush and a new generation', async () => {
    await env.ingest.append({ posts: YESTERDAY });
    await env.ingest.flush();
    await compactDay(env.dataDir, partitionDate(YESTERDAY[0].indexed_at), { graceMs: 0 });
    await env.ingest.append({ posts: FLUSHED });
    await env.ingest.flush();
    const indexed = await graph(3);
    const oracle = await graph(0);
    const indexedSmall = await graph(3, SMALL);
    const oracleSmall = await graph(0, SMALL);
    const followers = [indexed, oracle, indexedSmall, oracleSmall].map((g) => g.follower);
    const compare = async (step: string) => {
      await catchUp(...followers);
      for (const text of TEXTS) {
        const both = async (store: PostStore) => ({ ...(await searches(store, text)), ...(await counts(store, text)) });
        // The stores are independent DuckDB instances: their queries run side by side.
        const [got, want, gotSmall, wantSmall] = await Promise.all([
          both(indexed.store),
          both(oracle.store),
          counts(indexedSmall.store, text),
          counts(oracleSmall.store, text),
        ]);
        expect({ step, text, ...got }).toEqual({ step, text, ...want });
        expect({ step, text, ...gotSmall }).toEqual({ step, text, ...wantSmall });
      }
    };

    for (const row of TAIL_1) await env.ingest.append({ posts: [row] });
    await catchUp(...followers);
    expect(indexed.store.tail!.stats().index).toMatchObject({ common: 1 }); // "the": in more than 3 posts
    expect(oracle.store.tail!.stats().index).toBeUndefined();
    const narrowed = [];
    for (const text of TEXTS) if (await narrows(indexed.store, text)) narrowed.push(text);
    expect(narrowed).toEqual(
      expect.arrayContaining(['ZanZiBar', 'zanzib', 'οδός', 'ΟΔΟΣ', 'kelvin', 'the zanzibar', 'nowhere-to-be-found']),
    );
    expect(narrowed).not.toContain('the');
    expect(narrowed).not.toContain('-zanzibar');

    // Deletes of an unflushed and a flushed post, an edit of each (the new text drops or gains the word), an
    // account hidden: one entry each, as ingest writes them.
    const at = T0 + HOUR / 2;
    const edit = (row: PostRow, text: string, t: number): PostRow => ({
      ...row,
      cid: `${row.cid}-e`,
      text,
      indexed_at: t,
      time_us: t,
      operation: 'update',
    });
    await env.ingest.append({ tombstones: [tombstone(TAIL_1[0], 'delete', at), tombstone(FLUSHED[0], 'delete', at)] });
    await env.ingest.append({
      posts: [edit(TAIL_1[13], 'no longer that island', at + 1)],
      tombstones: [tombstone(TAIL_1[13], 'supersede', at + 1)],
    });
    await env.ingest.append({
      posts: [edit(FLUSHED[2], 'now about zanzibar', at + 2)],
      tombstones: [tombstone(FLUSHED[2], 'supersede', at + 2)],
    });
    const flushedThrough = await env.ingest.append({ accounts: [account('did:plc:author1', false, at + 3)] });
    await compare('tail filled, with deletes, edits and a hidden account');

    // A flush of all but the newest entries: files written, not committed (the tail still answers for them) ...
    for (const row of TAIL_2.slice(0, 2)) await env.ingest.append({ posts: [row] });
    const range = await env.ingest.writeFiles(flushedThrough);
    await compare('flush written');
    // ... then committed: the tail prunes into a new generation, what it kept indexed anew, and grows again.
    const generation = indexed.store.tail!.stats().generation;
    await env.ingest.commit(range!.last);
    await catchUp(...followers);
    expect(indexed.store.tail!.stats()).toMatchObject({ generation: generation + 1, rows: { posts: 2 } });
    expect(await narrows(indexed.store, 'ZanZiBar')).toBe(true);
    for (const row of TAIL_2.slice(2)) await env.ingest.append({ posts: [row] });
    await env.ingest.append({ accounts: [account('did:plc:author1', true, at + 4)] });
    await compare('new generation');
  }, 120_000);

  it('keeps a generation’s index while a query holds it, and drops it with the generation', async () => {
    const { store, follower } = await graph(3);
    await env.ingest.append({ posts: [p(1, 'zanzibar held')] });
    await catchUp(follower);
    const lease = store.tail!.acquire();
    const gen = lease.snapshot!.gen;
    await env.ingest.flush();
    await env.ingest.append({ posts: [p(2, 'zanzibar next')] });
    await catchUp(follower);
    expect(store.tail!.stats().generation).toBe(gen + 1);
    // The old generation still answers for the query holding it.
    expect(store.tail!.textCandidates(gen, ['zanzibar'])?.rows).toHaveLength(1);
    expect(store.tail!.textCandidates(gen + 1, ['zanzibar'])?.rows).toHaveLength(1);
    lease.release();
    await waitFor('old generation dropped', () => store.tail!.textCandidates(gen, ['zanzibar']) === undefined);
  });
});
