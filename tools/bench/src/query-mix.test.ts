import { peerCursorQuery, peerSearch } from './peers/peer-sql';
import { buildMix, pickTerms } from './query-mix';

const samples = [
  ...Array.from({ length: 40 }, (_, i) => ({
    text: `Coffee morning weather number${i} thread birds`,
    did: 'did:plc:aaa',
  })),
  ...Array.from({ length: 30 }, (_, i) => ({
    text: `music coffee weekend w${i}x sketch drawing release`,
    did: `did:plc:b${i}`,
  })),
  { text: 'zyzzogeton appears once', did: 'did:plc:ccc' },
];

describe('query mix', () => {
  it('picks a common word, a rare word, a phrase and the most active author from the sample', () => {
    const t = pickTerms(samples);
    expect(t.commonWord).toBe('coffee');
    expect(t.rareWord).toBe('zyzzogeton');
    expect(t.author).toBe('did:plc:aaa');
    expect(t.phrase.split(' ')).toHaveLength(2);
  });

  it('builds the ten queries of the scale issue with ranges on the data days', () => {
    const mix = buildMix({ ...pickTerms(samples), firstDate: '2025-03-03', lastDate: '2025-03-09' });
    expect(mix.map((q) => q.name)).toEqual([
      'rare',
      'common',
      'twoWords',
      'phrase',
      'author',
      'authorText',
      'oneDay',
      'fullRange',
      'page20',
      'totalCount',
    ]);
    expect(mix.find((q) => q.name === 'oneDay')?.args.dateRange).toEqual({
      from: '2025-03-09T00:00:00.000Z',
      to: '2025-03-10T00:00:00.000Z',
    });
    expect(mix.find((q) => q.name === 'fullRange')?.args.dateRange).toEqual({
      from: '2025-03-03T00:00:00.000Z',
      to: '2025-03-10T00:00:00.000Z',
    });
    expect(mix.find((q) => q.name === 'phrase')?.args.text).toMatch(/^".+ .+"$/);
    expect(mix.find((q) => q.name === 'page20')?.page).toBe(20);
  });

  it('translates a spec into bound SQL for the peers, LIKE metacharacters escaped', () => {
    const [rare] = buildMix({
      rareWord: '50%_off',
      commonWord: 'x',
      twoWords: ['a', 'b'],
      phrase: 'a b',
      author: 'did:plc:x',
      firstDate: '2025-03-03',
      lastDate: '2025-03-03',
    });
    const pg = peerSearch(rare, 'postgres');
    expect(pg.sql).toContain('lower(text) LIKE $1');
    expect(pg.params).toEqual(['%50\\%\\_off%']);
    const duck = peerSearch({ ...rare, totalCount: true, args: { ...rare.args, author: 'did:plc:x' } }, 'duckdb');
    expect(duck.sql).toMatch(/^SELECT count\(\*\)/);
    expect(duck.params).toEqual(['%50\\%\\_off%', 'did:plc:x']);
    expect(peerCursorQuery(rare, 'duckdb')).toBeUndefined();
    expect(peerCursorQuery({ ...rare, page: 20 }, 'duckdb')?.sql).toContain('OFFSET 949');
  });
});
