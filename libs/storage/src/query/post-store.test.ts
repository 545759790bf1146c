import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { makeTempDir } from '@bsky-explorer/testing';
import type { PostRow } from '@bsky-explorer/schema';
import type { QueryObservation } from '../duckdb/pool';
import { InvalidCursorError } from './cursor';
import { DAY, HOUR, T0, flush, post } from './fixtures.test-util';
import { PostStore, postCursor, type SearchArgs } from './post-store';

const uris = (rows: { uri: string }[]) => rows.map((r) => r.uri);
const byOrder = (rows: PostRow[]) =>
  [...rows].sort((a, b) => b.indexed_at - a.indexed_at || (a.uri < b.uri ? 1 : a.uri > b.uri ? -1 : 0));

describe('PostStore', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  let store: PostStore;
  const observed: QueryObservation[] = [];

  // The corpus: texts that exercise the syntax, spread over three days, with ties on indexed_at.
  const texts: Record<string, string> = {
    fox: 'The quick brown fox jumps',
    dog: 'A lazy dog sleeps',
    both: 'Fox and DOG are friends',
    phrase: 'she said hot dogs are great',
    split: 'hot and cold dogs',
    percent: 'discount 100% off',
    hundred: 'discount 1000 off',
    underscore: 'snake_case name',
    underline: 'snakeXcase name',
    backslash: 'path c:\\temp here',
    cyrillic: 'ПРИВЕТ мир',
    greek: 'ΟΔΟΣ ΣΟΦΙΑΣ',
    japanese: '東京タワーに行きました',
    emoji: 'party time 🎉🎉',
    quote: 'He said "hello, world"\nand left',
    formula: '=HYPERLINK("http://evil","x")',
    plus: '+1 to that',
    minus: '-2 degrees',
    at: '@someone hi',
    tab: '\tindented',
    injection: "Robert'); DROP TABLE posts;--",
    turkish: 'İSTANBUL at 300 \u212Aelvin, a.b',
  };
  const keys = Object.keys(texts);
  // Day 1 (2024-05-25): the texts; day 2: filler; day 0: older filler.
  const corpus: PostRow[] = keys.map((k, i) => post(i, { text: texts[k], indexed_at: T0 + i * 1_000_000 }));
  const ties = [100, 101, 102].map((n) => post(n, { text: 'tie', indexed_at: T0 + 30 * 1_000_000 }));
  const day2 = Array.from({ length: 10 }, (_, i) =>
    post(200 + i, { text: `filler ${i}`, indexed_at: T0 + DAY + i * HOUR }),
  );
  const day0 = Array.from({ length: 5 }, (_, i) => post(300 + i, { text: `old ${i}`, indexed_at: T0 - DAY + i }));
  const all = [...corpus, ...ties, ...day2, ...day0];
  const idx = (k: string) => corpus[keys.indexOf(k)];

  beforeAll(async () => {
    tmp = await makeTempDir('bsky-poststore-');
    await flush(tmp.path, { posts: all.slice(0, 20) });
    await flush(tmp.path, { posts: all.slice(20) });
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

  const search = async (args: Omit<SearchArgs, 'first'> & { first?: number }) =>
    uris((await store.search({ first: 1000, ...args })).rows);
  const expectText = async (text: string, expected: string[]) =>
    expect((await search({ text })).sort()).toEqual(expected.map((k) => idx(k).uri).sort());

  it('returns every post newest first, ties by uri descending, with full records', async () => {
    const page = await store.search({ first: 1000 });
    expect(uris(page.rows)).toEqual(uris(byOrder(all)));
    expect(page.hasNextPage).toBe(false);
    expect(page.rows.find((r) => r.uri === idx('fox').uri)).toEqual(idx('fox'));
    expect((await store.count({})).count).toBe(all.length);
  });

  it('pages of 2 concatenate to the same list as one page of 1000', async () => {
    for (const filter of [{}, { text: 'o' }, { fromUs: T0, toUs: T0 + DAY }]) {
      const full = await search(filter);
      const paged: string[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const page = await store.search({ ...filter, first: 2, after });
        paged.push(...uris(page.rows));
        if (!page.hasNextPage) break;
        after = postCursor(page.rows[page.rows.length - 1]);
      }
      expect(paged).toEqual(full);
    }
  });

  it('matches all words, case-insensitively', async () => {
    await expectText('fox', ['fox', 'both']);
    await expectText('FOX dog', ['both']);
    await expectText('dog', ['dog', 'both', 'phrase', 'split']);
  });

  it('matches a phrase as written in straight and curly quotes', async () => {
    await expectText('"hot dogs"', ['phrase']);
    await expectText('“hot dogs”', ['phrase']);
    await expectText('hot dogs', ['phrase', 'split']);
    await expectText('"hello, world"', ['quote']);
  });

  it('excludes -word and -"phrase", also alone', async () => {
    await expectText('dog -fox', ['dog', 'phrase', 'split']);
    await expectText('dogs -"hot dogs"', ['split']);
    const rest = await search({ text: '-o', fromUs: T0, toUs: T0 + DAY });
    expect(rest.length).toBeGreaterThan(0);
    for (const u of rest) expect(all.find((p) => p.uri === u)?.text.toLowerCase()).not.toContain('o');
  });

  it('treats % _ \\ as literal characters', async () => {
    await expectText('100%', ['percent']);
    await expectText('snake_case', ['underscore']);
    await expectText('c:\\temp', ['backslash']);
    await expectText('%', ['percent']);
    await expectText('_', ['underscore']);
  });

  it('folds case in Cyrillic and Greek (final sigma too), finds Japanese and emoji', async () => {
    await expectText('привет', ['cyrillic']);
    await expectText('МИР', ['cyrillic']);
    await expectText('οδος', ['greek']); // final ς against capital Σ
    await expectText('σοφιας', ['greek']);
    await expectText('タワー', ['japanese']);
    await expectText('🎉', ['emoji']);
  });

  it('folds the code points whose lower() is ASCII (İ, Kelvin sign) and keeps regex syntax literal', async () => {
    await expectText('istanbul', ['turkish']);
    await expectText('KELVIN', ['turkish']);
    await expectText('a.b', ['turkish']);
    await expectText('a.b*', []);
    await expectText('(a', []);
  });

  it('filters by author and by date range, from inclusive and to exclusive', async () => {
    const author = 'did:plc:author2';
    expect(await search({ author })).toEqual(uris(byOrder(all.filter((p) => p.did === author))));
    const from = idx('dog').indexed_at;
    const to = idx('percent').indexed_at;
    expect(await search({ fromUs: from, toUs: to })).toEqual(
      uris(byOrder(all.filter((p) => p.indexed_at >= from && p.indexed_at < to))),
    );
    expect((await store.count({ fromUs: from, toUs: to })).count).toBe(
      all.filter((p) => p.indexed_at >= from && p.indexed_at < to).length,
    );
    expect(await search({ fromUs: T0 + DAY })).toEqual(uris(byOrder(day2)));
  });

  it('starts a newest-first scan where the newest day really ends, whatever the range', async () => {
    // day2 ends at T0 + DAY + 9 h, long before its partition ends at midnight.
    const newest = byOrder(day2)[0];
    expect((await store.search({ first: 1 })).rows.map((r) => r.uri)).toEqual([newest.uri]);
    expect(await search({ fromUs: newest.indexed_at + 1, toUs: T0 + 2 * DAY })).toEqual([]);
    expect(await search({ fromUs: newest.indexed_at, toUs: T0 + 2 * DAY })).toEqual([newest.uri]);
    expect(await search({ fromUs: T0 + DAY, toUs: newest.indexed_at })).toEqual(uris(byOrder(day2)).slice(1));
  });

  it('reads only the partitions of the date range', async () => {
    // A broken file on a day outside the range must not be opened.
    const brokenDir = join(tmp.path, 'posts', 'date=2024-05-20');
    await mkdir(brokenDir, { recursive: true });
    await writeFile(join(brokenDir, 'flush-broken.parquet'), 'not parquet');
    try {
      expect(await search({ fromUs: T0 - 12 * HOUR, toUs: T0 + 12 * HOUR })).toEqual(
        uris(byOrder(all.filter((p) => p.indexed_at >= T0 - 12 * HOUR && p.indexed_at < T0 + 12 * HOUR))),
      );
      // Control: a query over every day does open it.
      await expect(store.count({})).rejects.toThrow();
    } finally {
      await rm(brokenDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['text', { text: "' OR 1=1 --" }],
    ['text with quotes', { text: '"); DROP TABLE posts; --' }],
    ['text with dollar param', { text: '$1 $p0 ? %' }],
    ['author', { author: "did:plc:author1' OR '1'='1" }],
    ['author with comment', { author: 'x" OR 1=1 /*' }],
  ])('answers an SQL injection attempt in %s correctly', async (_what, filter) => {
    const expected = all.filter((p) => {
      if ('author' in filter && filter.author !== undefined) return p.did === filter.author;
      return false;
    });
    expect(await search(filter)).toEqual(uris(expected));
    expect((await store.count(filter)).count).toBe(0);
  });

  it('finds the injection text itself as plain text', async () => {
    await expectText("'); DROP TABLE", ['injection']);
    expect((await store.count({})).count).toBe(all.length);
  });

  it('rejects a tampered cursor with InvalidCursorError', async () => {
    const page = await store.search({ first: 1 });
    const good = postCursor(page.rows[0]);
    await expect(store.search({ first: 1, after: good.slice(0, -2) + 'zz' })).rejects.toThrow(InvalidCursorError);
    await expect(store.search({ first: 1, after: "' OR 1=1 --" })).rejects.toThrow(InvalidCursorError);
    const injected = Buffer.from(`p1\n${T0}\nat://x' OR '1'='1`).toString('base64url');
    expect((await store.search({ first: 1000, after: injected })).rows.every((r) => r.indexed_at <= T0)).toBe(true);
  });

  it('looks up many uris in ONE query, skipping unknown ones', async () => {
    const before = observed.filter((o) => o.kind === 'lookup').length;
    const wanted = [
      idx('fox').uri,
      idx('dog').uri,
      ties[1].uri,
      'at://did:plc:nobody/app.bsky.feed.post/x',
      "at://x' OR 1=1",
    ];
    const found = await store.getByUris(wanted);
    expect(observed.filter((o) => o.kind === 'lookup').length).toBe(before + 1);
    expect([...found.keys()].sort()).toEqual([idx('fox').uri, idx('dog').uri, ties[1].uri].sort());
    expect(found.get(ties[1].uri)).toEqual(ties[1]);
  });

  it('exports CSV that parses back to the same rows, formulas neutralised', async () => {
    const out = join(tmp.path, 'export.csv');
    const { rowCount } = await store.exportCsv({ fromUs: T0, toUs: T0 + DAY, limit: 1000 }, out);
    const expected = byOrder(all.filter((p) => p.indexed_at >= T0 && p.indexed_at < T0 + DAY));
    expect(rowCount).toBe(expected.length);
    const raw = await readFile(out, 'utf8');
    expect(raw).toContain('\r\n');
    const records = parse(raw, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.uri)).toEqual(uris(expected));
    const neutral = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    const iso = (us: number) =>
      new Date(Math.floor(us / 1000)).toISOString().replace('Z', `${String(us % 1000).padStart(3, '0')}Z`);
    for (const [i, p] of expected.entries()) {
      const r = records[i];
      // Columns are named as the GraphQL Post fields (csv-export-sql.ts); internal ones (time_us, rev…) are left out.
      expect(r.text).toBe(neutral(p.text));
      expect(r.authorDid).toBe(p.did);
      expect(r.indexedAt).toBe(iso(p.indexed_at));
      expect(r.createdAt).toBe(iso(p.created_at as number));
      expect(r).not.toHaveProperty('time_us');
      expect(JSON.parse(r.langs)).toEqual(p.langs);
      expect(r.replyParentUri).toBe('');
    }
    const texts = records.map((r) => r.text);
    expect(texts).toContain(`'=HYPERLINK("http://evil","x")`);
    expect(texts).toContain(`'+1 to that`);
    expect(texts).toContain(`'-2 degrees`);
    expect(texts).toContain(`'@someone hi`);
    expect(texts).toContain(`'\tindented`);
    expect(texts).toContain('He said "hello, world"\nand left');
    const limited = await store.exportCsv({ text: 'dog', limit: 2 }, out);
    expect(limited.rowCount).toBe(2);
    expect((parse(await readFile(out, 'utf8'), { columns: true }) as unknown[]).length).toBe(2);
  });
});
