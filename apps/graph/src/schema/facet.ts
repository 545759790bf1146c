import type { Facet as StoredFacet, FacetKind } from '@bsky-explorer/storage';
import { builder } from '../builder';
import { storeCall } from '../store-calls';
import { validateFilter, validateFirst } from '../validation';
import { postFilterArgs } from './post-filters';

export const Facet = builder.objectRef<StoredFacet>('Facet').implement({
  description: 'A value and the number of matching posts holding it',
  fields: (t) => ({
    value: t.exposeString('value', { description: 'The facet value (a tag, host, language or DID)' }),
    count: t.exposeInt('count', { description: 'Visible posts matching the filters that hold the value, each once' }),
    exact: t.exposeBoolean('exact', {
      description:
        'Whether count is exact; false when it is estimated from the per-day samples kept at compaction (~1 % of ' +
        "each day's posts, scaled to the day), which happens when the exact count would read more rows than a " +
        'query may; count is then rounded to an integer, and values are ranked by their estimates, so values ' +
        'whose counts are close may swap places',
    }),
  }),
});

/** The top-N root fields: name, facet, what a value is. */
const TOP_FIELDS: [string, FacetKind, string][] = [
  ['topTags', 'tags', 'hashtags (lower-cased, without "#")'],
  ['topDomains', 'domains', 'hosts of linked URLs and external embeds (lower-cased, without "www.")'],
  ['topLangs', 'langs', 'declared languages (lower-cased BCP-47 tags as written, e.g. "en", "en-us")'],
  ['topAuthors', 'authors', 'author DIDs'],
];

for (const [name, facet, what] of TOP_FIELDS) {
  builder.queryField(name, (t) =>
    t.field({
      type: [Facet],
      description:
        `The most frequent ${what} among the posts matching the filters (same filters and visibility as searchPosts), ` +
        'most posts first, ties by value; exact, or every count estimated from the per-day samples (see Facet.exact)',
      args: {
        ...postFilterArgs,
        first: t.arg.int({ defaultValue: 10, description: 'How many values (at most the maximum page size)' }),
      },
      resolve: (_root, args, ctx) => {
        const first = validateFirst(args.first, 10, ctx.config.searchMaxPageSize);
        const filter = validateFilter(args);
        return storeCall(() => ctx.store.topFacets(filter, facet, first));
      },
    }),
  );
}
