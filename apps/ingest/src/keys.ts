// The Redis keys are shared with the graph's tail (it reads the stream and flushed-through): they live in libs/storage.
export { ingestKeys, type IngestKeys } from '@bsky-explorer/storage';
