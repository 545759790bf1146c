// Public API of @bsky-explorer/storage: what the apps and tools use. Everything else is internal to the library
// (tests import modules by path).
export { partitionDate, partitionDir, dateStartUs, flushFileName } from './layout/partition';
export { listDataFiles } from './layout/list-data-files';
export { writeParquet, encodeParquet } from './parquet/write-parquet';
export { writeFlushBatch, type WrittenFile } from './parquet/write-flush-batch';
export { duckdbType } from './duckdb-types';
export { postsWithDerivedColumns } from './posts-columns';
export {
  DuckDbPool,
  QueryTimeoutError,
  PoolClosedError,
  type DuckDbPoolOptions,
  type QueryKind,
  type QueryObservation,
  type StatementObservation,
} from './duckdb';
export {
  PostStore,
  postCursor,
  SearchSyntaxError,
  InvalidCursorError,
  type PostStoreOptions,
  type SearchArgs,
  type SearchPage,
  type ExportArgs,
  type PostCount,
  type Timings,
  type PostRecord,
  type PostFilter,
  type PostColumnName,
  type PostSort,
  type VolumeBucket,
  type VolumeInterval,
  type Facet,
  type FacetKind,
  FilterError,
  resolveFilter,
  normalizeActor,
  isDid,
} from './query';
export {
  compactDay,
  compactClosedDays,
  type CompactDayOptions,
  type DaySummary,
  type CompactionRunSummary,
} from './compaction/compact-day';
export {
  ENTRY_FIELDS,
  LinesWriter,
  StreamEntryError,
  decodeEntry,
  flushPayload,
  rowsOfPayload,
  streamEntries,
  type FlushPayload,
  type StreamEntry,
} from './stream/stream-entry';
export { ingestKeys, type IngestKeys } from './stream/keys';
export { compareStreamIds, nextStreamId, parseStreamId } from './stream/stream-id';
export { PostTail, type PostTailOptions, type TailStats } from './tail/post-tail';
export { TailFollower, type TailFollowerOptions } from './tail/tail-follower';
