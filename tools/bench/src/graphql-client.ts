// The searches and the export as a web client sends them: POST /graphql over HTTP.
import type { QuerySpec } from './query-mix';

const SEARCH = (
  withCount: boolean,
) => `query Bench($text: String, $dateRange: DateRangeInput, $author: String, $first: Int, $after: String) {
  searchPosts(text: $text, dateRange: $dateRange, author: $author, first: $first, after: $after) {
    ${withCount ? 'totalCount' : ''}
    edges { cursor node { uri } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface SearchPage {
  uris: string[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount?: number;
}

export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
}

async function post<T>(endpoint: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new GraphQLRequestError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
  }
  if (!res.ok || !body.data) throw new GraphQLRequestError(`HTTP ${res.status}`);
  return body.data;
}

export async function searchPage(endpoint: string, spec: QuerySpec, after?: string): Promise<SearchPage> {
  const data = await post<{
    searchPosts: {
      totalCount?: number;
      edges: { cursor: string; node: { uri: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(endpoint, SEARCH(spec.totalCount), { ...spec.args, after });
  const s = data.searchPosts;
  return {
    uris: s.edges.map((e) => e.node.uri),
    endCursor: s.pageInfo.endCursor,
    hasNextPage: s.pageInfo.hasNextPage,
    totalCount: s.totalCount,
  };
}

export async function exportPosts(
  endpoint: string,
  args: { text?: string; author?: string; dateRange?: { from: string; to: string }; limit: number },
): Promise<{ url: string; rowCount: number }> {
  const data = await post<{ exportPosts: { url: string; rowCount: number } }>(
    endpoint,
    `mutation Export($text: String, $dateRange: DateRangeInput, $author: String, $limit: Int) {
      exportPosts(text: $text, dateRange: $dateRange, author: $author, limit: $limit) { url rowCount }
    }`,
    args,
  );
  return data.exportPosts;
}
