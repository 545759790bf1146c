import { rename } from 'node:fs/promises';
import type { PostRow } from '@bsky-explorer/schema';
import { makeTempDir } from '@bsky-explorer/testing';
import { compactDay } from '../compaction/compact-day';
import { DuckDbPool, type Session } from '../duckdb/pool';
import { listPostFiles, type IndexedDay } from '../layout/list-data-files';
import { readManifest, writeManifest } from '../layout/manifest';
import { partitionDate, partitionDir } from '../layout/partition';
import { gramsSql, hasGrams } from '../text-tokens';
import { RowCounts } from './count/row-counts';
import { vocabularyEstimate } from './count/estimate';
import { HOUR, T0, flush, post } from './fixtures.test-util';
import { SqlParams } from './post-sql';
import { PostStore } from './post-store';
import { planTokenLookup, type TokenLookup } from './token-reads';
import { vocabularyRows } from './vocabulary-source';

// The gram index only narrows where the vocabulary is read: for every part, the tokens found through it must be
// exactly the tokens a scan of the vocabulary finds. The day is written by the real compaction code, with enough
// distinct tokens for several 2,048-token blocks.

const START = T0 - 10 * HOUR;
const DATE = partitionDate(START);

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const word = (min: number, max: number) =>
  Array.from({ length: min + Math.floor(next() * (max - min + 1)) }, () => pick(LETTERS)).join('');

/** ~12,000 distinct ASCII tokens (6 blocks), a few with other scripts inside, sigma, and non-ASCII tokens. */
const POOL = [
  ...Array.from({ length: 12_000 }, () => word(3, 10)),
  'café',
  'cafés',
  'naïve',
  'ab𝒳cd', // a character outside the BMP: grams count code points, not UTF-16 units
  'x\u0301yz', // a combining accent
  'testς', // final sigma: the vocabulary keeps it, grams and parts fold it to σ (no other token holds "stσ")
  'mmmσ9',
  '日本語',
  'привет',
];

function corpus(): PostRow[] {
  return Array.from({ length: 3000 }, (_, n) => {
    const words = Array.from({ length: 6 }, () => pick(POOL));
    const at = START + n * 1_000_000;
    return post(n, { indexed_at: at, time_us: at, text: `Common ${words.join(' ')}` });
  });
}

/** The day as a reader without the gram index sees it (a day indexed before it existed). */
const withoutGrams = (day: IndexedDay): IndexedDay => ({
  ...day,
  tokens: { vocabulary: day.tokens?.vocabulary as string, postings: day.tokens?.postings as string },
});

/** The vocabulary rows containing each of `parts`, as read through vocabularyRows (sorted, one string a row). */
async function containing(session: Session, days: IndexedDay[], parts: string[]): Promise<string[]> {
  const sql = new SqlParams();
  const source = await vocabularyRows(session, sql, days, parts);
  if (!source) return [];
  const hits = parts.map((p) => `contains(replace(token, 'ς', 'σ'), ${sql.bind(p)})`);
  const rows = await session.all(
    `SELECT filename, key, token, df, posted, [${hits.join(', ')}] AS hit FROM ${source} WHERE ${hits.join(' OR ')}`,
    sql.values,
  );
  return rows.map((r) => JSON.stringify([r.filename, r.key, r.token, r.df, r.posted, r.hit])).sort();
}

/** A lookup with its keys in one order (the order rows come in differs between reads). */
const sortedKeys = (lookup: TokenLookup | undefined) =>
  lookup && { ...lookup, keys: [...lookup.keys].map(([date, keys]) => [date, [...keys].sort()]) };

/** Rows a read of `source` covers (what the narrowing saves). */
async function rowsRead(session: Session, days: IndexedDay[], parts: string[]): Promise<number> {
  const sql = new SqlParams();
  const source = await vocabularyRows(session, sql, days, parts);
  if (!source) return 0;
  const [row] = await session.all(`SELECT count(*) AS n FROM ${source}`, sql.values);
  return Number(row.n);
}

describe('the vocabulary gram index', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let pool: DuckDbPool;
  let day: IndexedDay;
  const use = <T>(f: (s: Session) => Promise<T>) => pool.use('search', f);

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-grams-');
    await flush(tmp.path, { posts: corpus() });
    await compactDay(tmp.path, DATE, { graceMs: 0, rareTokenMaxDf: 3 });
    [day] = (await listPostFiles(tmp.path)).indexed;
    pool = await DuckDbPool.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 30_000 });
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
    await tmp.remove();
  });

  it('is written for a compacted day: the ASCII tokens in vocabulary order, in blocks, and their grams', async () => {
    expect(day.tokens?.grams).toBeDefined();
    const blocks = day.tokens?.grams?.blocks as string;
    const vocabulary = day.tokens?.vocabulary as string;
    const [same] = await use((s) =>
      s.all(
        `SELECT (SELECT list([token, df::VARCHAR, posted::VARCHAR] ORDER BY token) FROM read_parquet($v) WHERE ascii) =
                (SELECT list([token, df::VARCHAR, posted::VARCHAR] ORDER BY token) FROM read_parquet($b)) AS same,
                (SELECT list(token ORDER BY block, token) = list(token ORDER BY token) FROM read_parquet($b)) AS sorted,
                (SELECT count(DISTINCT block) FROM read_parquet($b)) AS blocks,
                (SELECT count(*) FROM parquet_metadata($b) WHERE column_id = 0) AS groups`,
        { v: vocabulary, b: blocks },
      ),
    );
    expect(same).toMatchObject({ same: true, sorted: true });
    expect(Number(same.blocks)).toBeGreaterThanOrEqual(5);
    expect(Number(same.groups)).toBe(Number(same.blocks)); // a block is one row group: read alone
  });

  it('finds exactly the tokens a vocabulary scan finds, for parts present, absent, at block edges and spread over blocks', async () => {
    const blocks = day.tokens?.grams?.blocks as string;
    const grams = day.tokens?.grams?.grams as string;
    const edges = await use((s) =>
      s.all(
        `SELECT list(token) AS tokens FROM (
           SELECT token, row_number() OVER (PARTITION BY block ORDER BY token) AS i,
                  count(*) OVER (PARTITION BY block) AS n FROM read_parquet($b))
         WHERE i <= 2 OR i >= n - 1`,
        { b: blocks },
      ),
    );
    const edgeTokens = edges[0].tokens as string[];
    const present = Array.from({ length: 150 }, () => {
      const t = pick(POOL.slice(0, 12_000));
      const from = Math.floor(next() * Math.max(1, t.length - 3));
      return t.slice(from, from + 3 + Math.floor(next() * (t.length - from - 2)));
    });
    const absent = Array.from({ length: 150 }, () => word(4, 6));
    // Parts whose every gram is in the index, but in no one block together: each block read is empty.
    const spread = (
      await use((s) =>
        s.all(
          `WITH g AS (SELECT gram, list(block) AS blocks FROM read_parquet($g) GROUP BY gram)
           SELECT a.gram || right(b.gram, 1) AS part FROM g a JOIN g b ON right(a.gram, 2) = left(b.gram, 2)
           WHERE len(list_intersect(a.blocks, b.blocks)) = 0 LIMIT 50`,
          { g: grams },
        ),
      )
    ).map((r) => r.part as string);
    const odd = ['caf', 'café', 'afé', 'ïve', 'b𝒳c', '𝒳cd', 'x\u0301y', 'testσ', 'stσ', 'mmσ9'];
    const parts = [...new Set([...edgeTokens, ...edgeTokens.map((t) => t.slice(0, 3)), ...present, ...absent])];
    parts.push(...spread, ...odd);
    expect(spread.length).toBe(50);

    const found = { narrowed: 0, absent: 0 };
    for (const part of parts) {
      const scan = await use((s) => containing(s, [withoutGrams(day)], [part]));
      expect(await use((s) => containing(s, [day], [part]))).toEqual(scan);
      if (scan.length === 0) found.absent++;
      if ((await use((s) => rowsRead(s, [day], [part]))) < (await use((s) => rowsRead(s, [withoutGrams(day)], [part]))))
        found.narrowed++;
    }
    // Several parts at once (the union of their blocks), and with a part the index cannot narrow.
    for (let i = 0; i + 5 <= parts.length; i += 37) {
      const group = parts.slice(i, i + 5);
      for (const g of [group, [...group, 'ab'], [...group, '日本']]) {
        expect(await use((s) => containing(s, [day], g))).toEqual(
          await use((s) => containing(s, [withoutGrams(day)], g)),
        );
      }
    }
    // The test exercised what it claims: most parts read fewer rows than the scan, many found nothing.
    expect(found.narrowed).toBeGreaterThan(parts.length * 0.8);
    expect(found.absent).toBeGreaterThan(150);
  }, 120_000);

  it('gives the token lookup and the count estimate the answers of the scan; the read really goes through the index', async () => {
    const texts = ['café', 'CAFÉS', 'naïve', 'TESTΣ', ...POOL.slice(0, 40), 'zz9zz', 'ab', '日本'];
    const rowCounts = new RowCounts();
    for (const text of texts) {
      const plans = await use(async (s) => [
        sortedKeys(await planTokenLookup(s, [day], text)),
        sortedKeys(await planTokenLookup(s, [withoutGrams(day)], text)),
      ]);
      expect(plans[0]).toEqual(plans[1]);
      const estimates = await use(async (s) => [
        await vocabularyEstimate(s, [day], { text }, rowCounts),
        await vocabularyEstimate(s, [withoutGrams(day)], { text }, rowCounts),
      ]);
      expect(estimates[0]).toBe(estimates[1]);
    }

    // With one block's grams taken out of the index, the tokens of that block are no longer found.
    const grams = day.tokens?.grams?.grams as string;
    const [edge] = await use((s) =>
      s.all(`SELECT min(token) AS token FROM read_parquet($b) WHERE block = 1 AND length(token) >= 3`, {
        b: day.tokens?.grams?.blocks as string,
      }),
    );
    const token = edge.token as string;
    const holds = (rows: string[]) => rows.some((r) => JSON.parse(r)[2] === token);
    expect(holds(await use((s) => containing(s, [day], [token])))).toBe(true);
    await use((s) =>
      s.all(`COPY (SELECT * FROM read_parquet('${grams}') WHERE block <> 1) TO '${grams}.tmp' (FORMAT parquet)`),
    );
    await rename(`${grams}.tmp`, grams);
    expect(holds(await use((s) => containing(s, [day], [token])))).toBe(false);
    expect(holds(await use((s) => containing(s, [withoutGrams(day)], [token])))).toBe(true);
  });

  it('counts grams in code points, as DuckDB does', async () => {
    const strings = ['ab', 'abc', 'aaaa', '𝒳y', '𝒳yz', 'x\u0301', 'x\u0301y', '👍🏽', '👍🏽x', '日本', '日本語', 'çé'];
    const sql = new SqlParams();
    const [row] = await use((s) =>
      s.all(`SELECT [${strings.map((t) => `len(${gramsSql(sql.bind(t))})`).join(', ')}] AS n`, sql.values),
    );
    expect((row.n as number[]).map((n) => n > 0)).toEqual(strings.map(hasGrams));
  });
});

describe('a day without the gram index', () => {
  it('is still searched and counted, through the vocabulary scan, with the answers of an indexed day', async () => {
    const tmp = await makeTempDir('bsky-grams-old-');
    try {
      const posts = corpus().slice(0, 400);
      await flush(tmp.path, { posts });
      await compactDay(tmp.path, DATE, { graceMs: 0, rareTokenMaxDf: 3 });
      await using store = await PostStore.create({ dataDir: tmp.path, poolSize: 1, queryTimeoutMs: 30_000 });
      // Words of some posts, a piece of one, and words of no post.
      const words = posts.slice(0, 5).flatMap((p) => p.text.split(' ').slice(1));
      const texts = [...words, words[0].slice(1, 4), 'café', 'testσ', 'zz9zz', 'Common'];
      const answers = async () =>
        Promise.all(
          texts.map(async (text) => ({
            rows: (await store.search({ text, first: 1000 })).rows.map((r) => r.uri),
            count: await store.count({ text }),
          })),
        );
      const indexed = await answers();
      expect(indexed.filter((a) => a.rows.length > 0).length).toBeGreaterThan(words.length);

      // The manifest an older version wrote: no gram files listed (and those on disk are not read).
      const dir = partitionDir(tmp.path, 'posts', DATE);
      const manifest = await readManifest(dir);
      const { tokenBlocks: _b, tokenGrams: _g, ...older } = manifest?.index ?? { byAuthor: '', bytes: 0 };
      await writeManifest(dir, { ...manifest!, index: older });
      const [day] = (await listPostFiles(tmp.path)).indexed;
      expect(day.tokens).toBeDefined();
      expect(day.tokens?.grams).toBeUndefined();
      expect(await answers()).toEqual(indexed);
    } finally {
      await tmp.remove();
    }
  }, 60_000);
});
