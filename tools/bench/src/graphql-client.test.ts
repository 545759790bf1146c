// The client against a real GraphQL server over HTTP (graphql-yoga, as apps/graph uses), in the schema's shape
// before and after PostConnection.totalCountIsExact and the GRAPH_TIMINGS extensions.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { connectionFields, NO_FEATURES, readTimings } from './graphql-client';
import { measureSystem, OVERHEAD_PHASE, RESOLVER_PHASE } from './measure';
import { graphSystem } from './phases/search';
import { buildMix } from './query-mix';

interface Variant {
  exactField: boolean;
  timings: boolean;
  introspection: boolean;
}

async function startServer(v: Variant): Promise<{ endpoint: string; server: Server }> {
  const schema = createSchema({
    typeDefs: `
      input DateRangeInput { from: String!  to: String! }
      type Post { uri: String!  text: String!  authorDid: String!  indexedAt: String! }
      type PostEdge { cursor: String!  node: Post! }
      type PageInfo { hasNextPage: Boolean!  endCursor: String }
      type PostConnection {
        edges: [PostEdge!]!
        pageInfo: PageInfo!
        totalCount: Int!
        ${v.exactField ? 'totalCountIsExact: Boolean!' : ''}
      }
      type Query {
        searchPosts(text: String, dateRange: DateRangeInput, author: String, first: Int, after: String): PostConnection!
      }`,
    resolvers: {
      Query: {
        searchPosts: (_: unknown, args: { first: number; after?: string }) => {
          const start = Number(args.after ?? 0);
          const edges = Array.from({ length: args.first }, (_, i) => ({
            cursor: String(start + i + 1),
            node: {
              uri: `at://did:plc:x/app.bsky.feed.post/${start + i}`,
              text: 'a post',
              authorDid: 'did:plc:x',
              indexedAt: '2025-03-03T00:00:00.000Z',
            },
          }));
          return {
            edges,
            pageInfo: { hasNextPage: true, endCursor: String(start + args.first) },
            totalCount: 1234,
            totalCountIsExact: false,
          };
        },
      },
    },
  });
  const plugins: Plugin[] = [];
  if (v.timings)
    plugins.push({
      onExecute: () => ({
        onExecuteDone: ({ result, setResult }) => {
          if (Symbol.asyncIterator in result) return;
          setResult({
            ...result,
            extensions: { ...result.extensions, timings: { execute: 1.5, 'search.plan': 0.25, 'search.readBack': 1 } },
          });
        },
      }),
    });
  if (!v.introspection)
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  const yoga = createYoga({ schema, plugins, logging: false });
  const server = createServer(yoga);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}/graphql`, server };
}

const mix = buildMix({
  rareWord: 'zyzzogeton',
  commonWord: 'coffee',
  twoWords: ['coffee', 'music'],
  phrase: 'coffee music',
  author: 'did:plc:aaa',
  firstDate: '2025-03-03',
  lastDate: '2025-03-03',
}).filter((q) => ['common', 'page20', 'totalCount'].includes(q.name));

describe('the GraphQL client of the bench', () => {
  const servers: Server[] = [];
  const start = async (v: Variant) => {
    const s = await startServer(v);
    servers.push(s.server);
    return s.endpoint;
  };
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  it('against the schema before the change: no totalCountIsExact asked, client time only', async () => {
    const endpoint = await start({ exactField: false, timings: false, introspection: true });
    const features = await connectionFields(endpoint);
    expect(features).toEqual({ totalCountIsExact: false });
    // The server validates the query: asking for a field it lacks would fail every run.
    const r = await measureSystem(graphSystem(endpoint, features), mix, 2, () => undefined);
    expect(r.queries.map((q) => q.error ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
    expect(r.queries.map((q) => q.hits)).toEqual([50, 50, 1234]);
    expect(r.queries.every((q) => q.phases === undefined && q.totalCountIsExact === undefined)).toBe(true);
  });

  it('against the schema after the change: reports totalCountIsExact and the server phases', async () => {
    const endpoint = await start({ exactField: true, timings: true, introspection: true });
    const features = await connectionFields(endpoint);
    expect(features).toEqual({ totalCountIsExact: true });
    const r = await measureSystem(graphSystem(endpoint, features), mix, 3, () => undefined);
    const [common, , count] = r.queries;
    expect(count).toMatchObject({ hits: 1234, totalCountIsExact: false, serverMs: 1.5 });
    expect(common.totalCountIsExact).toBeUndefined();
    // apps/graph's shape: execute is the server's time, the store phases are inside it.
    expect(common.phases).toEqual({
      'search.plan': 0.25,
      'search.readBack': 1,
      [RESOLVER_PHASE]: 0.25,
      [OVERHEAD_PHASE]: expect.any(Number),
    });
    // Client time minus the server's 1.5 ms: the HTTP round trip and GraphQL work outside the store.
    expect(common.phases?.[OVERHEAD_PHASE]).toBeCloseTo(common.warm.p50Ms - 1.5, 0);
  });

  it('takes a server that refuses introspection to have no optional fields', async () => {
    const endpoint = await start({ exactField: true, timings: false, introspection: false });
    expect(await connectionFields(endpoint)).toEqual(NO_FEATURES);
  });

  it('keeps only numeric timings', () => {
    expect(readTimings({ timings: { a: 1, b: 'x', c: Number.NaN, d: 0 } })).toEqual({ a: 1, d: 0 });
    expect(readTimings({ timings: [1] })).toBeUndefined();
    expect(readTimings({})).toBeUndefined();
    expect(readTimings(undefined)).toBeUndefined();
  });
});
