// The stream entry format is shared with the graph's tail (it reads the same stream): it lives in libs/storage.
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
} from '@bsky-explorer/storage';
