import DataLoader from 'dataloader';
import type { PostRecord, PostStore } from '@bsky-explorer/storage';
import { trackQuery } from './store-calls';

export type PostLoader = DataLoader<string, PostRecord | null>;

/**
 * Batches every post lookup of one request tick (replyParent and quoted of a whole page) into one
 * store.getByUris call, i.e. one DuckDB query. Per request, so the cache never serves another request's view.
 */
export function createPostLoader(store: PostStore): PostLoader {
  return new DataLoader<string, PostRecord | null>(
    async (uris) => {
      const found = await trackQuery(() => store.getByUris([...uris]));
      return uris.map((uri) => found.get(uri) ?? null);
    },
    { maxBatchSize: 1000 },
  );
}

export type HandleLoader = DataLoader<string, string | null>;

/**
 * Batches the Post.author handles of one request tick into one store.handlesOf call (one DuckDB query over the
 * identities table). Per request, like the post loader.
 */
export function createHandleLoader(store: PostStore): HandleLoader {
  return new DataLoader<string, string | null>(
    async (dids) => {
      const found = await trackQuery(() => store.handlesOf([...dids]));
      return dids.map((did) => found.get(did) ?? null);
    },
    { maxBatchSize: 1000 },
  );
}
