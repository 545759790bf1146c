// The searches and the export as a web client sends them: POST /graphql over HTTP.
import type { QuerySpec } from './query-mix';

/** Optional fields of the server's schema, found once per run by introspection (see connectionFields). */
export interface ServerFeatures {
  /** PostConnection.totalCountIsExact exists: request it beside totalCount. */
  totalCountIsExact: boolean;
}

export const NO_FEATURES: ServerFeatures = { totalCountIsExact: false };

/**
 * What a result list shows of each post (a web client's search page): peers select the same columns. The graph reads
 * back only the columns a selection needs, so asking for `uri` alone would measure no read-back at all.
 */
export const PAGE_FIELDS = 'uri text authorDid indexedAt';

export const searchQuery = (
  withCount: boolean,
  features: ServerFeatures = NO_FEATURES,
) => `query Bench($text: String, $dateRange: DateRangeInput, $author: String, $first: Int, $after: String) {
  searchPosts(text: $text, dateRange: $dateRange, author: $author, first: $first, after: $after) {
    ${withCount ? `totalCount${features.totalCountIsExact ? ' totalCountIsExact' : ''}` : ''}
    edges { cursor node { ${PAGE_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface SearchPage {
  uris: string[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount?: number;
  totalCountIsExact?: boolean;
  /** The server's per-phase times in ms (extensions.timings, sent when the graph runs with GRAPH_TIMINGS=1). */
  timings?: Record<string, number>;
}

export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
}

interface Response<T> {
  data: T;
  extensions?: Record<string, unknown>;
}

async function post<T>(endpoint: string, query: string, variables: Record<string, unknown>): Promise<Response<T>> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
    extensions?: Record<string, unknown>;
  };
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new GraphQLRequestError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
  }
  if (!res.ok || !body.data) throw new GraphQLRequestError(`HTTP ${res.status}`);
  return { data: body.data, extensions: body.extensions };
}

/** Any query: its data and the server's timings (a GraphQL error or a non-200 answer throws). */
export async function graphqlQuery<T>(
  endpoint: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data: T; timings?: Record<string, number> }> {
  const { data, extensions } = await post<T>(endpoint, query, variables);
  return { data, timings: readTimings(extensions) };
}

/** extensions.timings as phase → ms; anything that is not a finite number is left out. */
export function readTimings(extensions: Record<string, unknown> | undefined): Record<string, number> | undefined {
  const t = extensions?.timings;
  if (!t || typeof t !== 'object' || Array.isArray(t)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(t)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export async function searchPage(
  endpoint: string,
  spec: QuerySpec,
  after?: string,
  features: ServerFeatures = NO_FEATURES,
): Promise<SearchPage> {
  const { data, extensions } = await post<{
    searchPosts: {
      totalCount?: number;
      totalCountIsExact?: boolean;
      edges: { cursor: string; node: { uri: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(endpoint, searchQuery(spec.totalCount, features), { ...spec.args, after });
  const s = data.searchPosts;
  return {
    uris: s.edges.map((e) => e.node.uri),
    endCursor: s.pageInfo.endCursor,
    hasNextPage: s.pageInfo.hasNextPage,
    totalCount: s.totalCount,
    totalCountIsExact: s.totalCountIsExact,
    timings: readTimings(extensions),
  };
}

/**
 * Which optional fields the server's searchPosts connection has, by one introspection query at the start of the
 * run, so that the bench works against the schema before and after a field is added. A server that refuses
 * introspection is taken to have none of them.
 */
export async function connectionFields(endpoint: string): Promise<ServerFeatures> {
  type TypeRef = { name: string | null; ofType: TypeRef | null };
  try {
    const { data } = await post<{ __type: { fields: { name: string; type: TypeRef }[] } | null }>(
      endpoint,
      `{ __type(name: "Query") { fields { name type { name ofType { name ofType { name } } } } } }`,
      {},
    );
    let t: TypeRef | null | undefined = data.__type?.fields.find((f) => f.name === 'searchPosts')?.type;
    while (t && !t.name) t = t.ofType;
    if (!t?.name) return NO_FEATURES;
    const conn = await post<{ __type: { fields: { name: string }[] } | null }>(
      endpoint,
      `query Conn($name: String!) { __type(name: $name) { fields { name } } }`,
      { name: t.name },
    );
    const names = new Set(conn.data.__type?.fields.map((f) => f.name));
    return { totalCountIsExact: names.has('totalCountIsExact') };
  } catch (err) {
    if (err instanceof GraphQLRequestError) return NO_FEATURES;
    throw err;
  }
}

export async function exportPosts(
  endpoint: string,
  args: { text?: string; author?: string; dateRange?: { from: string; to: string }; limit: number },
): Promise<{ url: string; rowCount: number }> {
  const { data } = await post<{ exportPosts: { url: string; rowCount: number } }>(
    endpoint,
    `mutation Export($text: String, $dateRange: DateRangeInput, $author: String, $limit: Int) {
      exportPosts(text: $text, dateRange: $dateRange, author: $author, limit: $limit) { url rowCount }
    }`,
    args,
  );
  return data.exportPosts;
}
