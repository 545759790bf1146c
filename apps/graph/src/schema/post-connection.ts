import { postCursor, type PostCount, type PostRecord } from '@bsky-explorer/storage';
import { builder } from '../builder';
import type { GraphContext } from '../context';
import { storeCall } from '../store-calls';
import { validateFilter, validateFirst, type SearchFilter } from '../validation';
import { Post } from './post';
import { PostSort, postFilterArgs } from './post-filters';
import { postColumnsOf } from './post-columns';

interface SearchConnection {
  edges: { cursor: string; node: PostRecord }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Kept for totalCount, which runs its own COUNT query only when a client selects it. */
  filter: SearchFilter;
  /** The one count of this page, shared by totalCount and totalCountIsExact. */
  count?: Promise<PostCount>;
}

function countOf(parent: unknown, ctx: GraphContext): Promise<PostCount> {
  const connection = parent as SearchConnection;
  connection.count ??= storeCall(() => ctx.store.count(connection.filter, ctx.timings?.count));
  return connection.count;
}

export const PostConnection = builder.connectionObject(
  {
    type: Post,
    name: 'PostConnection',
    description: 'One page of posts in the order asked (default newest indexedAt first, ties by uri)',
    fields: (t) => ({
      totalCount: t.int({
        description:
          'Number of posts matching the filters (all pages); costs a COUNT query, so select it only when needed',
        resolve: async (parent, _args, ctx: GraphContext) => (await countOf(parent, ctx)).count,
      }),
      totalCountIsExact: t.boolean({
        description:
          'Whether totalCount is exact; false when it is an estimate (a count over many rows is estimated instead of scanned)',
        resolve: async (parent, _args, ctx: GraphContext) => (await countOf(parent, ctx)).exact,
      }),
    }),
  },
  { name: 'PostEdge', description: 'A post and the cursor to continue after it' },
);

builder.queryField('searchPosts', (t) =>
  t.field({
    type: PostConnection,
    description:
      'Search posts. Every filter given must hold. text: words must all occur, "a phrase" (straight or curly quotes) as written, -word excluded; ' +
      'case-insensitive; % _ \\ are literal. first: page size (default and maximum are configured); after: endCursor of the previous page.',
    args: {
      ...postFilterArgs,
      first: t.arg.int({ description: 'Page size (default and maximum are configured)' }),
      after: t.arg.string({ description: 'endCursor of the previous page, from a search with the same sort' }),
      sort: t.arg({ type: PostSort, defaultValue: 'LATEST', description: 'LATEST (default) or OLDEST first' }),
    },
    resolve: async (_root, args, ctx, info) => {
      const { searchDefaultPageSize, searchMaxPageSize } = ctx.config;
      const first = validateFirst(args.first, searchDefaultPageSize, searchMaxPageSize);
      const filter = validateFilter(args);
      const after = args.after ?? undefined; // decoded (and rejected as INVALID_CURSOR) by the store
      // Only the columns the selection reads are read back (the rest of each record stays empty).
      const columns = postColumnsOf(info);
      const { rows, hasNextPage } = await storeCall(() =>
        ctx.store.search({ ...filter, first, after, columns }, ctx.timings?.search),
      );
      const edges = rows.map((row) => {
        // A parent or quoted post that is on this page needs no lookup, if it was read whole.
        if (columns === undefined) ctx.postLoader.prime(row.uri, row);
        return { cursor: postCursor(row, filter.sort), node: row };
      });
      const connection: SearchConnection = {
        edges,
        pageInfo: {
          hasNextPage,
          hasPreviousPage: after !== undefined,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        filter,
      };
      return connection;
    },
  }),
);
