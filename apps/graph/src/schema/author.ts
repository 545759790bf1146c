import { builder } from '../builder';
import { withClientErrors } from '../store-calls';

/** What Post.author resolves to: the DID; the handle is loaded only when selected. */
export interface AuthorRef {
  did: string;
}

export const Author = builder.objectRef<AuthorRef>('Author');

Author.implement({
  description: 'The author of a post',
  fields: (t) => ({
    did: t.exposeString('did', { description: 'DID of the account (did:plc:… or did:web:…)' }),
    handle: t.string({
      nullable: true,
      description:
        "The account's newest handle in identity events (lower-cased); null when no identity event with a handle was seen",
      resolve: (a, _args, ctx) => withClientErrors(() => ctx.handleLoader.load(a.did)),
    }),
  }),
});
