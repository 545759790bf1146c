import { asPosts, post, startTestGraph, T0, type TestGraph } from './_util';

// GRAPH_TIMINGS puts the store's per-phase milliseconds into the response, for the benchmark's breakdown.

const QUERY = /* GraphQL */ `
  query ($text: String) {
    searchPosts(text: $text, first: 2) {
      totalCount
      totalCountIsExact
      edges {
        node {
          uri
        }
      }
    }
  }
`;

const rows = asPosts([1, 2, 3].map((n) => post({ rkey: `t${n}`, text: `timed post ${n}`, indexed_at: T0 + n })));

describe('GRAPH_TIMINGS', () => {
  const graphs: TestGraph[] = [];
  afterAll(async () => {
    for (const g of graphs) await g.close();
  });

  it('adds extensions.timings with the phases of search and count when on', async () => {
    const t = await startTestGraph(rows, { GRAPH_TIMINGS: 'true' }, { listen: true });
    graphs.push(t);
    const res = (await t.http(QUERY, { text: 'timed' })) as unknown as {
      data: { searchPosts: { totalCount: number; totalCountIsExact: boolean; edges: unknown[] } };
      extensions?: { timings?: Record<string, number> };
    };
    expect(res.data.searchPosts).toMatchObject({ totalCount: 3, totalCountIsExact: true });
    expect(res.data.searchPosts.edges).toHaveLength(2);
    const timings = res.extensions?.timings ?? {};
    expect(Object.keys(timings)).toEqual(
      expect.arrayContaining(['execute', 'search.listing', 'search.scan', 'search.readBack', 'count.scan']),
    );
    expect(Object.values(timings).every((ms) => typeof ms === 'number' && ms >= 0)).toBe(true);
  });

  it('adds nothing when off (the default)', async () => {
    const t = await startTestGraph(rows, {}, { listen: true });
    graphs.push(t);
    const res = (await t.http(QUERY, { text: 'timed' })) as unknown as { extensions?: Record<string, unknown> };
    expect(res.extensions?.timings).toBeUndefined();
  });
});
