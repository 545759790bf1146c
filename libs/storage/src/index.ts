export { partitionDate, partitionDir, tableDir, dateStartUs, dateEndUs, flushFileName, parsePartitionDirName } from './layout/partition';
export { listDataFiles, listPartitionDates, listPartitionFiles, type TimeRangeUs, type PartitionFiles } from './layout/list-data-files';
export { readManifest, MANIFEST_FILE, ManifestError, type PartitionManifest, type ReplacedFile } from './layout/manifest';
export { writeParquet, encodeParquet, FLUSH_ROW_GROUP_SIZE, type WriteResult } from './parquet/write-parquet';
export { writeFlushBatch, type FlushBatch, type WrittenFile } from './parquet/write-flush-batch';
export { arrowSchema, arrowType } from './parquet/arrow-schema';
export { RowShapeError } from './parquet/arrow-columns';
export { duckdbType, duckdbColumnsSql, duckdbColumnsStruct } from './duckdb-types';
