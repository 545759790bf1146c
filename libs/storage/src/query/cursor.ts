/** The position after which the next page starts: the last row's sort key (indexed_at DESC, uri DESC). */
export interface PostCursor {
  indexedAtUs: number;
  uri: string;
}

/** A cursor that this server did not produce (malformed, truncated or edited): a client error. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor(message = 'the cursor is malformed; use a cursor returned by a previous page') {
    super(message);
  }
}

/** The record's first line: its version and the sort it pages (a cursor of one sort is refused by the other). */
const VERSION = { LATEST: 'p1', OLDEST: 'o1' } as const;
type CursorSort = keyof typeof VERSION;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 4096;
const MAX_URI_LENGTH = 2048;

/** Opaque to clients: base64url of a versioned record. Not signed — it only positions a keyset, never grants access. */
export function encodeCursor(cursor: PostCursor, sort: CursorSort = 'LATEST'): string {
  if (!Number.isSafeInteger(cursor.indexedAtUs) || cursor.indexedAtUs < 0) {
    throw new RangeError('cursor indexedAtUs must be a non-negative safe integer');
  }
  return Buffer.from(`${VERSION[sort]}\n${cursor.indexedAtUs}\n${cursor.uri}`, 'utf8').toString('base64url');
}

/** Throws InvalidCursorError unless `s` is exactly what encodeCursor produced for a valid position of `sort`. */
export function decodeCursor(s: string, sort: CursorSort = 'LATEST'): PostCursor {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_CURSOR_LENGTH || !BASE64URL.test(s)) {
    throw new InvalidCursorError();
  }
  const raw = Buffer.from(s, 'base64url');
  // Re-encoding must give back the same string: rejects padding games and non-canonical trailing bits.
  if (raw.toString('base64url') !== s) throw new InvalidCursorError();
  const text = raw.toString('utf8');
  if (Buffer.from(text, 'utf8').toString('base64url') !== s) throw new InvalidCursorError(); // invalid UTF-8
  const parts = text.split('\n');
  if (parts.length !== 3) throw new InvalidCursorError();
  const other: CursorSort = sort === 'LATEST' ? 'OLDEST' : 'LATEST';
  if (parts[0] === VERSION[other]) {
    throw new InvalidCursorError(
      `the cursor pages a search sorted ${other}; use it with sort: ${other}, or start again without after`,
    );
  }
  if (parts[0] !== VERSION[sort]) throw new InvalidCursorError();
  const [, ts, uri] = parts;
  if (!/^(0|[1-9]\d{0,15})$/.test(ts)) throw new InvalidCursorError();
  const indexedAtUs = Number(ts);
  if (!Number.isSafeInteger(indexedAtUs)) throw new InvalidCursorError();
  if (!uri.startsWith('at://') || uri.length > MAX_URI_LENGTH || /[\u0000-\u001f\u007f]/.test(uri)) {
    throw new InvalidCursorError();
  }
  return { indexedAtUs, uri };
}
