export {
  PostStore,
  postCursor,
  type PostStoreOptions,
  type SearchArgs,
  type SearchPage,
  type ExportArgs,
  type PostCount,
  type Timings,
  type VolumeBucket,
  type VolumeInterval,
  type Facet,
  type FacetKind,
} from './post-store';
export { MAX_VOLUME_BUCKETS, INTERVAL_US } from './aggregations/post-volume';
export {
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
} from './filter';
export { type PostRecord } from './post-record';
export { type PostFilter, type PostColumnName, type PostSort } from './post-sql';
export {
  parseSearchText,
  SearchSyntaxError,
  MAX_SEARCH_TERMS,
  type SearchTerms,
  type TextOperators,
} from './search-text';
export { encodeCursor, decodeCursor, InvalidCursorError, type PostCursor } from './cursor';
