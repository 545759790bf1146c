import { asPosts, post, startTestGraph, T0, type HttpGqlResponse, type TestGraph } from './_util';

// Bounds far outside the data (`to: "9999-12-31"`) are what users write for "open-ended"; they used to fail with
// INTERNAL_SERVER_ERROR (a RangeError converting µs past Number.MAX_SAFE_INTEGER).

const rows = [post({ rkey: 'a', text: 'far hello' }), post({ rkey: 'b', text: 'far world', indexed_at: T0 + 5e6 })];

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(asPosts(rows), {}, { listen: true });
});
afterAll(() => t.close());

interface Page {
  searchPosts: { totalCount: number; edges: { node: { uri: string } }[] };
}
const SEARCH = `query($dateRange: DateRangeInput, $text: String) {
  searchPosts(dateRange: $dateRange, text: $text) { totalCount edges { node { uri } } } }`;
const EXPORT = `mutation($dateRange: DateRangeInput, $limit: Int) {
  exportPosts(dateRange: $dateRange, limit: $limit) { rowCount } }`;

function ok<T>(res: HttpGqlResponse<T>): T {
  expect(res.errors).toBeUndefined();
  expect(res.status).toBe(200);
  return res.data!;
}

describe('dateRange bounds far from the data', () => {
  it.each(['2300-01-01', '3000-01-01', '9999-12-31', '2255-06-06T00:00:00Z'])(
    'to: %s is open-ended on searchPosts (page and totalCount) and exportPosts',
    async (to) => {
      for (const text of [undefined, 'far']) {
        const page = ok(await t.http<Page>(SEARCH, { dateRange: { to }, text }));
        expect(page.searchPosts.edges.map((e) => e.node.uri)).toEqual([rows[1].uri, rows[0].uri]);
        expect(page.searchPosts.totalCount).toBe(2);
      }
      const withFrom = ok(await t.http<Page>(SEARCH, { dateRange: { from: '2024-05-01', to } }));
      expect(withFrom.searchPosts.totalCount).toBe(2);
      for (const limit of [undefined, 5]) {
        const exp = ok(await t.http<{ exportPosts: { rowCount: number } }>(EXPORT, { dateRange: { to }, limit }));
        expect(exp.exportPosts.rowCount).toBe(2);
      }
    },
  );

  it.each([
    [{ from: '2300-01-01' }],
    [{ from: '9999-01-01', to: '9999-12-31' }],
    [{ to: '1960-01-01' }],
    [{ from: '0001-01-01', to: '0002-01-01' }],
  ])('%j selects nothing, without an error', async (dateRange) => {
    const page = ok(await t.http<Page>(SEARCH, { dateRange }));
    expect(page.searchPosts).toEqual({ totalCount: 0, edges: [] });
    const exp = ok(await t.http<{ exportPosts: { rowCount: number } }>(EXPORT, { dateRange }));
    expect(exp.exportPosts.rowCount).toBe(0);
  });

  it('a from before 1970 is open-ended too', async () => {
    const page = ok(await t.http<Page>(SEARCH, { dateRange: { from: '0001-01-01' } }));
    expect(page.searchPosts.totalCount).toBe(2);
  });

  it('still refuses from ≥ to, however far', async () => {
    const res = await t.http(SEARCH, { dateRange: { from: '9999-12-31', to: '3000-01-01' } });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
