// Public API of @bsky-explorer/schema: the data contract shared by ingest, storage, graph and the simulator.
export * from './columns';
export * from './rows';
export * from './events';
export * from './reasons';
export { decodeEvent, validateEvent, exceedsDepth, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from './decode';
export type { DecodeResult, DecodeOptions } from './decode';
export { toRows, postUri, MAX_TEXT_BYTES } from './normalize';
export type { TableRow, RowsResult } from './normalize';
export { parseDatetimeUs, parseDateBoundUs, formatDatetimeUs } from './datetime';
export { isHandle } from './syntax';
