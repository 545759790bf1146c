import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/** What a first visitor sees in GraphiQL: a search that shows paging, the count, nested posts and an export. */
export const DEFAULT_QUERY = `# Bluesky Post Explorer. Run with ▶ or Ctrl-Enter;
# the Docs panel (book icon) describes every field.
#
# text: every word must occur, "a phrase" as written,
# -word excluded, case-insensitive. Next page: pass
# after: <pageInfo.endCursor>. dateRange is on indexedAt
# (from inclusive, to exclusive), e.g.
# dateRange: { from: "2024-05-01", to: "2024-05-02" }
query Search {
  searchPosts(text: "coffee", first: 5) {
    totalCount
    totalCountIsExact
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        uri
        author {
          did
          handle
        }
        text
        indexedAt
        langs
        replyParent {
          text
        }
      }
    }
  }
}

# A CSV of the matching posts, as a signed link that expires:
# mutation Export {
#   exportPosts(text: "coffee", dateRange: { from: "2024-05-01" }, limit: 1000) {
#     url
#     rowCount
#     expiresAt
#   }
# }
`;

/**
 * GraphiQL with its JavaScript, CSS and Monaco workers inlined in the page by @graphql-yoga/render-graphiql, so it
 * loads from this server alone (Yoga's default page fetches them from a public CDN and stays blank without one).
 */
export function graphiqlOptions(): GraphiQLOptions {
  // GraphiQL POSTs JSON, which needs no CSRF header.
  return { title: 'Bluesky Post Explorer', defaultQuery: DEFAULT_QUERY };
}

export { renderGraphiQL };
