import { builder } from '../builder';
import { DateRangeInput } from './date-range-input';

export const PostSort = builder.enumType('PostSort', {
  description: 'Order of posts: by indexedAt, ties by uri',
  values: {
    LATEST: { description: 'Newest indexedAt first (the default)' },
    OLDEST: {
      description: 'Oldest indexedAt first: the exact reverse of LATEST; cursors of one do not page the other',
    },
  } as const,
});

/** The filters shared by searchPosts, exportPosts and the aggregations (same meaning, same validation). */
export const postFilterArgs = builder.args((t) => ({
  text: t.string({
    description:
      'Search text, at most 512 characters: every word must occur (case-insensitive substring), "a phrase" as written, ' +
      "-word excluded; % _ \\ are literal. Also Bluesky's operators: lang:xx, #tag, domain:host, from:DID or from:handle (quote them to search them as text)",
  }),
  dateRange: t.field({ type: DateRangeInput, description: 'A range of indexedAt; from inclusive, to exclusive' }),
  author: t.string({
    description:
      'Author, by DID (did:plc:… or did:web:…) or handle (alice.bsky.social: the account that held it most recently in identity events; an unknown handle is BAD_USER_INPUT)',
  }),
  lang: t.stringList({
    description:
      'BCP-47 languages declared by the post, any of them; case-insensitive, a language matches its subtags ("en" matches "en-US")',
  }),
  tag: t.stringList({
    description: 'Hashtags (facets and record tags), every one of them; case-insensitive, with or without "#"',
  }),
  mentions: t.string({ description: 'A mentioned account, by DID or handle (as author)' }),
  domain: t.string({
    description: 'Host of a linked URL or external embed; its subdomains match too, "www." is ignored (example.com)',
  }),
  url: t.string({
    description:
      'A linked URL or external embed, compared with scheme and host lower-cased and trailing slashes ignored',
  }),
}));
