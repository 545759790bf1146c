import { buildMix, shapes, type Sample } from './mix';
import { buildPgMix, pgSteps } from './pg-mix';

const sample: Sample = {
  commonWord: 'coffee',
  rareWord: 'zyzzyva',
  author: 'did:plc:alice',
  newest: '2025-03-03T12:00:00Z',
  hourBefore: '2025-03-03T11:00:00Z',
  uris: ['at://did:plc:alice/app.bsky.feed.post/1'],
};

describe('the PostgreSQL mix', () => {
  it('has one query per GraphQL shape, sent in the same order', () => {
    expect(pgSteps(sample).map((s) => s.name)).toEqual(shapes(sample).map((s) => s.step.name));
    const mix = buildMix(sample);
    expect(buildPgMix(sample, mix).map((s) => s.name)).toEqual(mix.map((s) => s.name));
  });

  it('asks what the GraphQL shape asks: the same word, author, hour, page size, cursor', () => {
    const by = Object.fromEntries(pgSteps(sample).map((s) => [s.name, s]));
    expect(by['common word'].query(undefined)).toEqual({
      sql: 'SELECT uri, time_us, did, text FROM posts WHERE lower(text) LIKE $1 ORDER BY time_us DESC, uri DESC LIMIT 50',
      params: ['%coffee%'],
    });
    const next = by['common word, next page'].query({ indexedAtUs: 5, uri: 'at://x' });
    expect(next.sql).toContain('(time_us, uri) < ($2, $3)');
    expect(next.params).toEqual(['%coffee%', 5, 'at://x']);
    expect(by.author.query(undefined).params).toEqual(['did:plc:alice']);
    expect(by['last hour'].query(undefined).params).toEqual([
      Date.parse(sample.hourBefore) * 1000,
      Date.parse(sample.newest) * 1000,
    ]);
    expect(by.count.query(undefined).sql).toMatch(/^SELECT count\(\*\) AS n FROM posts WHERE lower\(text\) LIKE \$1$/);
    expect(by['post by uri'].query(undefined).params).toEqual([sample.uris[0]]);
    expect(by['export 1,000 rows'].query(undefined).sql).toContain('LIMIT 1000');
  });
});
