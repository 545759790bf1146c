export {
  PostStore,
  postCursor,
  type PostStoreOptions,
  type SearchArgs,
  type SearchPage,
  type ExportArgs,
  type PostCount,
  type Timings,
} from './post-store';
export { type PostRecord } from './post-record';
export { type PostFilter, type PostColumnName } from './post-sql';
export { parseSearchText, SearchSyntaxError, MAX_SEARCH_TERMS, type SearchTerms } from './search-text';
export { encodeCursor, decodeCursor, InvalidCursorError, type PostCursor } from './cursor';
