import { matches, parseSubscribeParams, SubscribeParamsError } from './subscribe-params';

const parse = (q: string) => parseSubscribeParams(new URLSearchParams(q));

describe('parseSubscribeParams', () => {
  it('reads repeated and comma-separated values, prefixes, cursor and size', () => {
    const p = parse(
      'wantedCollections=app.bsky.feed.post,app.bsky.graph.*&wantedCollections=x.y.z&wantedDids=did:plc:abc&cursor=123&maxMessageSizeBytes=1000',
    );
    expect([...p.collections]).toEqual(['app.bsky.feed.post', 'x.y.z']);
    expect(p.collectionPrefixes).toEqual(['app.bsky.graph.']);
    expect([...p.dids]).toEqual(['did:plc:abc']);
    expect(p.cursor).toBe(123);
    expect(p.maxMessageSizeBytes).toBe(1000);
    expect(parse('')).toMatchObject({ cursor: undefined, maxMessageSizeBytes: 0 });
  });

  it.each([
    'wantedCollections=app',
    'wantedCollections=a.*.b',
    'wantedCollections=app.bsky.fe*',
    'wantedDids=alice',
    'cursor=1.5',
    'cursor=1e3',
    'maxMessageSizeBytes=x',
  ])('rejects %s', (q) => {
    expect(() => parse(q)).toThrow(SubscribeParamsError);
  });
});

describe('matches', () => {
  const post = { did: 'did:plc:a', kind: 'commit', collection: 'app.bsky.feed.post' };
  const like = { did: 'did:plc:a', kind: 'commit', collection: 'app.bsky.feed.like' };
  const account = { did: 'did:plc:b', kind: 'account', collection: null };
  const garbage = { did: null, kind: null, collection: null };

  it('collections filter commits only; dids filter everything; unknown facts pass', () => {
    const p = parse('wantedCollections=app.bsky.feed.post');
    expect([post, like, account, garbage].map((e) => matches(p, e))).toEqual([true, false, true, true]);
    const d = parse('wantedDids=did:plc:a');
    expect([post, like, account, garbage].map((e) => matches(d, e))).toEqual([true, true, false, true]);
    const prefix = parse('wantedCollections=app.bsky.feed.*');
    expect([post, like].map((e) => matches(prefix, e))).toEqual([true, true]);
  });
});
