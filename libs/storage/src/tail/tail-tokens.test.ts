import { DuckDBInstance, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { foldedTokenSql, termPartsSql, tokenListSql } from '../text-tokens';
import { TailTokens } from './tail-tokens';

describe('the tail text index of one generation', () => {
  const index = () => {
    const t = new TailTokens(3);
    t.add('social', [1, 4]);
    t.add('antisocial', [2]);
    t.add('the', [0, 1, 2]);
    t.add('οδός', [5]);
    t.add('猫が好き', [6]);
    return t;
  };

  it('finds the rows of every token containing a part, each once, in rowid order', () => {
    expect(index().candidates(['social'])).toEqual({ part: 'social', rows: [1, 2, 4] });
    expect(index().candidates(['ntisoc'])).toEqual({ part: 'ntisoc', rows: [2] });
    expect(index().candidates(['猫'])).toEqual({ part: '猫', rows: [6] });
  });

  it('takes the part with the fewest postings, and a part no token holds gives no rows', () => {
    expect(index().candidates(['social', 'anti'])).toEqual({ part: 'anti', rows: [2] });
    expect(index().candidates(['social', 'zanzibar'])).toEqual({ part: 'zanzibar', rows: [] });
  });

  it('compares sigma-folded parts with sigma-folded tokens', () => {
    // termPartsSql folds ς to σ: "ΟΔΟΣ" → "οδοσ", which the token "οδός" does not hold unless folded (ό ≠ ο).
    expect(index().candidates(['δόσ'])).toEqual({ part: 'δόσ', rows: [5] });
    expect(index().candidates(['όσ'])).toEqual({ part: 'όσ', rows: [5] });
  });

  it('stops keeping a token past its bound (common): a part inside it does not narrow, unless another part does', () => {
    const t = index();
    expect(t.candidates(['the'])).toEqual({ part: 'the', rows: [0, 1, 2] });
    t.add('the', [7]);
    expect(t.candidates(['the'])).toBeUndefined();
    expect(t.candidates(['th'])).toBeUndefined();
    expect(t.candidates(['the', 'antisocial'])).toEqual({ part: 'antisocial', rows: [2] });
    t.add('the', [8]);
    expect(t.stats()).toMatchObject({ tokens: 5, common: 1, postings: 5 });
  });

  it('remembers a walk and takes in the tokens and rows added since, until a token holding the part turns common', () => {
    const t = new TailTokens(4);
    t.add('social', [1]);
    t.add('sociology', [2]);
    expect(t.candidates(['soci'])).toEqual({ part: 'soci', rows: [1, 2] });
    // More rows of a token walked already, a new token holding the part, one not holding it.
    t.add('social', [3]);
    t.add('associate', [4]);
    t.add('party', [5]);
    expect(t.candidates(['soci'])).toEqual({ part: 'soci', rows: [1, 2, 3, 4] });
    expect(t.candidates(['ocial'])).toEqual({ part: 'ocial', rows: [1, 3] });
    // "social" past the bound: common, so "soci" no longer narrows (the remembered walk is dropped).
    t.add('social', [6, 7, 8]);
    expect(t.candidates(['soci'])).toBeUndefined();
    expect(t.candidates(['ology'])).toEqual({ part: 'ology', rows: [2] });
    t.add('sociable', [9]);
    expect(t.candidates(['soci'])).toBeUndefined();
  });

  it('does not narrow by parts whose tokens hold more rows together than the bound', () => {
    const t = new TailTokens(3);
    t.add('ab1', [1, 2]);
    t.add('ab2', [3, 4]);
    expect(t.candidates(['ab'])).toBeUndefined();
    expect(t.candidates(['ab1'])).toEqual({ part: 'ab1', rows: [1, 2] });
    expect(t.candidates([])).toBeUndefined();
  });
});

describe('the tail text index finds exactly the tokens DuckDB finds', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    conn = await instance.connect();
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  // Tokens come from DuckDB (tokenListSql), parts too (termPartsSql); what the index adds is the substring test in
  // JS (String.prototype.includes on UTF-16) where the vocabulary lookup uses DuckDB's contains() (on UTF-8). For
  // well-formed strings both are the same relation; this checks it on the scripts and odd characters posts hold.
  const TEXTS = [
    'Antisocial SOCIAL socially',
    'οδός ΟΔΟΣ Οδύσσεια σοφία ΣΟΦΊΑ',
    '猫が好き ねこ 東京タワー',
    '\u212Aelvin İstanbul STRASSE straße ǅemal',
    'ＡＢＣ１２３ fullwidth',
    'مرحبا ١٢٣ שלום',
    'e\u0301te café naïve',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters 𝟙𝟚𝟛',
    'emoji 👍🏽 👨‍👩‍👧 #tag @handle.bsky.social https://example.com/a_b',
  ];

  it('for every substring of every token, and for whole terms', async () => {
    const text = TEXTS.join(' ');
    const [{ tokens }] = (
      await conn.runAndReadAll(`SELECT ${tokenListSql('$text')} AS tokens`, { text })
    ).getRowObjectsJS() as { tokens: string[] }[];
    const index = new TailTokens(Number.MAX_SAFE_INTEGER);
    tokens.forEach((token, row) => index.add(token, [row]));
    // Terms: every substring (code points) of up to 4 characters of every token, and the texts' words as typed.
    const terms = new Set<string>(text.split(/\s+/));
    for (const token of tokens) {
      const chars = [...token];
      for (let i = 0; i < chars.length; i++)
        for (let n = 1; n <= 4 && i + n <= chars.length; n++) terms.add(chars.slice(i, i + n).join(''));
    }
    const reader = await conn.runAndReadAll(
      `WITH vocabulary AS (SELECT unnest($tokens::VARCHAR[]) AS token, generate_subscripts($tokens::VARCHAR[], 1) - 1 AS row),
            parts AS (SELECT DISTINCT unnest(${termPartsSql('term')}) AS part FROM (SELECT unnest($terms::VARCHAR[]) AS term))
       SELECT part, list(row ORDER BY row) FILTER (WHERE contains(${foldedTokenSql('token')}, part)) AS rows
       FROM parts, vocabulary GROUP BY part`,
      { tokens: listValue(tokens), terms: listValue([...terms]) },
    );
    const expected = reader.getRowObjectsJS() as { part: string; rows: bigint[] | null }[];
    expect(expected.length).toBeGreaterThan(200);
    const differ = expected.filter(
      ({ part, rows }) => JSON.stringify(index.candidates([part])?.rows) !== JSON.stringify((rows ?? []).map(Number)),
    );
    expect(differ).toEqual([]);
  });
});
