export { partitionDate, partitionDir, tableDir, dateStartUs, dateEndUs, flushFileName, parsePartitionDirName } from './layout/partition';
export { listDataFiles, listPartitionDates, listPartitionFiles, type TimeRangeUs, type PartitionFiles } from './layout/list-data-files';
export { readManifest, MANIFEST_FILE, ManifestError, type PartitionManifest, type ReplacedFile } from './layout/manifest';
