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
