export {
  partitionDate,
  partitionDir,
  tableDir,
  dateStartUs,
  dateEndUs,
  flushFileName,
  parsePartitionDirName,
} from './layout/partition';
export {
  listDataFiles,
  listPartitionDates,
  listPartitionFiles,
  listPostFiles,
  type TimeRangeUs,
  type PartitionFiles,
  type PostFileSet,
  type IndexedDay,
} from './layout/list-data-files';
export {
  readManifest,
  MANIFEST_FILE,
  ManifestError,
  type PartitionManifest,
  type PartitionIndex,
  type ReplacedFile,
} from './layout/manifest';
export { writeParquet, encodeParquet, FLUSH_ROW_GROUP_SIZE, type WriteResult } from './parquet/write-parquet';
export { writeFlushBatch, type FlushBatch, type WrittenFile } from './parquet/write-flush-batch';
export { arrowSchema, arrowType } from './parquet/arrow-schema';
export { RowShapeError } from './parquet/arrow-columns';
export { duckdbType, duckdbColumnsSql, duckdbColumnsStruct } from './duckdb-types';
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
  parseSearchText,
  SearchSyntaxError,
  MAX_SEARCH_TERMS,
  encodeCursor,
  decodeCursor,
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
  type SearchTerms,
  type PostCursor,
  type PostSort,
  type TextOperators,
  type VolumeBucket,
  type VolumeInterval,
  type Facet,
  type FacetKind,
  MAX_VOLUME_BUCKETS,
  INTERVAL_US,
  FilterError,
  MAX_FILTER_VALUES,
  resolveFilter,
  normalizeLang,
  normalizeTag,
  normalizeDomain,
  normalizeUrl,
  normalizeActor,
  normalizeHandle,
  handlesIn,
  UnknownHandleError,
  type HandleMap,
  isDid,
} from './query';
export {
  compactDay,
  compactClosedDays,
  type CompactDayOptions,
  type DaySummary,
  type CompactionRunSummary,
  type CompactionTotals,
} from './compaction/compact-day';
export {
  compactPartition,
  planPartition,
  cleanPartition,
  writeCompacted,
  publishPartition,
  sweepPartition,
  DEFAULT_GRACE_MS,
  DEFAULT_ROW_GROUP_SIZE,
  DEFAULT_MAX_FILE_BYTES,
  type CompactionOptions,
  type CompactionStep,
  type PartitionPlan,
  type PartitionSummary,
  type CompactedFile,
} from './compaction/compact-partition';
export { openCompactionDb, type CompactionDb, type CompactionDbOptions } from './compaction/compaction-db';
export { acquireCompactionLock, CompactionBusyError } from './compaction/compaction-lock';
export { writeSideFiles, isSideFile, SIDE_ROW_GROUP_SIZE, BY_AUTHOR_PREFIX } from './compaction/side-files';
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
export { PostTail, type PostTailOptions, type TailStats, type TailLease } from './tail/post-tail';
export { TailFollower, type TailFollowerOptions } from './tail/tail-follower';
