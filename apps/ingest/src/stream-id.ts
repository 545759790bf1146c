// Stream id helpers are shared with the graph's tail: they live in libs/storage.
export { compareStreamIds, nextStreamId, parseStreamId } from '@bsky-explorer/storage';
