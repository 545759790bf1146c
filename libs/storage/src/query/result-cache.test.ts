import { ResultCache } from './result-cache';

describe('ResultCache', () => {
  it('keys by arguments and by every listed path', () => {
    const files = [['/d/posts/a.parquet'], ['/d/tombstones/t.parquet'], []];
    const key = ResultCache.key('search', { text: 'x', first: 5 }, files);
    expect(ResultCache.key('search', { text: 'x', first: 5 }, files)).toBe(key);
    expect(ResultCache.key('search', { text: 'x', first: 6 }, files)).not.toBe(key);
    expect(ResultCache.key('count', { text: 'x', first: 5 }, files)).not.toBe(key);
    expect(
      ResultCache.key('search', { text: 'x', first: 5 }, [['/d/posts/a.parquet', '/d/posts/b.parquet'], files[1], []]),
    ).not.toBe(key);
    // A path moved from one list to another is another file set.
    expect(
      ResultCache.key('search', { text: 'x', first: 5 }, [['/d/posts/a.parquet'], [], ['/d/tombstones/t.parquet']]),
    ).not.toBe(key);
  });

  it('evicts the least recently used entry and hands out copies', () => {
    const cache = new ResultCache(2);
    cache.set('a', { rows: [{ n: 1 }] });
    cache.set('b', 2);
    expect(cache.get('a')).toEqual({ rows: [{ n: 1 }] }); // a is now the most recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(2);
    const got = cache.get<{ rows: { n: number }[] }>('a');
    got?.rows.push({ n: 2 });
    expect(cache.get('a')).toEqual({ rows: [{ n: 1 }] });
  });

  it('stores nothing with capacity 0', () => {
    const cache = new ResultCache(0);
    cache.set('a', 1);
    expect(cache.enabled).toBe(false);
    expect(cache.get('a')).toBeUndefined();
  });
});
