// Raw Jetstream message → typed event, or a typed rejection. Never throws. Cost per message: one size check,
// one UTF-8 check for binary input, one linear depth scan (no recursion), one JSON.parse, then field checks.
// Every field the typed event carries is checked; unknown fields are dropped.

import { isUtf8 } from 'node:buffer';
import type { AccountInfo, Commit, CommitOperation, IdentityInfo, JetstreamEvent } from './events';
import { reject, type Rejection } from './reasons';
import { describeValue, isCid, isDid, isNsid, isPlainObject, isRecordKey, isRev } from './syntax';

export type DecodeResult = { ok: true; event: JetstreamEvent } | Rejection;

export interface DecodeOptions {
  /** Largest accepted message in bytes (UTF-8). Default 1 MiB; Jetstream's own default cap is about that size. */
  maxBytes?: number;
  /** Deepest accepted nesting of objects/arrays. Default 64; a real post event nests about 10 deep. */
  maxDepth?: number;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

export function decodeEvent(raw: string | Buffer | Uint8Array, options?: DecodeOptions): DecodeResult {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  let text: string;
  if (typeof raw === 'string') {
    // A UTF-16 unit encodes to 1..3 UTF-8 bytes: only measure exactly when the cheap bounds don't decide.
    if (raw.length > maxBytes || (raw.length * 3 > maxBytes && Buffer.byteLength(raw, 'utf8') > maxBytes)) {
      return reject('too_large', `message over ${maxBytes} bytes`);
    }
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.byteLength > maxBytes) return reject('too_large', `message is ${raw.byteLength} bytes, max ${maxBytes}`);
    // Decoding invalid UTF-8 would silently substitute U+FFFD and change the text.
    if (!isUtf8(raw)) return reject('invalid_utf8', 'message is not valid UTF-8');
    text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  } else {
    return reject('invalid_json', `expected a string or bytes, got ${describeValue(raw)}`);
  }
  if (exceedsDepth(text, maxDepth)) return reject('too_deep', `nesting deeper than ${maxDepth}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', (err as Error).message.slice(0, 200));
  }
  return validateEvent(value);
}

/**
 * Validates an already-parsed value as a Jetstream event. Callers must bound its depth themselves
 * (decodeEvent does); this function itself only reads fixed paths.
 */
export function validateEvent(value: unknown): DecodeResult {
  if (!isPlainObject(value)) return reject('not_an_object', `expected a JSON object, got ${describeValue(value)}`);

  const did = value.did;
  if (did === undefined) return reject('missing_did', 'did is missing');
  if (typeof did !== 'string' || !isDid(did)) return reject('invalid_did', `did is not a DID: ${describeValue(did)}`);

  const timeUs = value.time_us;
  if (timeUs === undefined) return reject('missing_time_us', 'time_us is missing');
  if (typeof timeUs !== 'number' || !Number.isSafeInteger(timeUs) || timeUs <= 0) {
    return reject('invalid_time_us', `time_us must be a positive integer, got ${describeValue(timeUs)}`);
  }

  const cursor = value.cursor;
  if (cursor !== undefined && (typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || cursor < 0)) {
    return reject('invalid_cursor', `cursor must be a non-negative integer, got ${describeValue(cursor)}`);
  }

  const kind = value.kind;
  if (kind === undefined) return reject('missing_kind', 'kind is missing');
  if (typeof kind !== 'string') return reject('invalid_kind', `kind must be a string, got ${describeValue(kind)}`);

  switch (kind) {
    case 'commit': {
      const commit = validateCommit(value.commit);
      if ('ok' in commit) return commit;
      return { ok: true, event: withCursor({ did, time_us: timeUs, kind, commit }, cursor) };
    }
    case 'identity': {
      const identity = validateIdentity(value.identity, did);
      if ('ok' in identity) return identity;
      return { ok: true, event: withCursor({ did, time_us: timeUs, kind, identity }, cursor) };
    }
    case 'account': {
      const account = validateAccount(value.account, did);
      if ('ok' in account) return account;
      return { ok: true, event: withCursor({ did, time_us: timeUs, kind, account }, cursor) };
    }
    default:
      return reject('unknown_kind', `unknown kind ${describeValue(kind)}`);
  }
}

function withCursor<E extends JetstreamEvent>(event: E, cursor: number | undefined): E {
  if (cursor !== undefined) event.cursor = cursor;
  return event;
}

function validateCommit(c: unknown): Commit | Rejection {
  if (c === undefined) return reject('missing_commit', 'commit event without commit');
  if (!isPlainObject(c)) return reject('invalid_commit', `commit must be an object, got ${describeValue(c)}`);
  const { rev, operation, collection, rkey, record, cid } = c;
  if (typeof rev !== 'string' || !isRev(rev)) return reject('invalid_rev', `bad rev: ${describeValue(rev)}`);
  if (!isOperation(operation)) return reject('invalid_operation', `bad operation: ${describeValue(operation)}`);
  if (typeof collection !== 'string' || !isNsid(collection)) {
    return reject('invalid_collection', `bad collection: ${describeValue(collection)}`);
  }
  if (typeof rkey !== 'string' || !isRecordKey(rkey)) return reject('invalid_rkey', `bad rkey: ${describeValue(rkey)}`);
  if (cid !== undefined && (typeof cid !== 'string' || !isCid(cid))) {
    return reject('invalid_cid', `bad cid: ${describeValue(cid)}`);
  }
  const out: Commit = { rev, operation, collection, rkey };
  if (operation !== 'delete') {
    if (record === undefined || record === null) return reject('missing_record', `${operation} without record`);
    if (!isPlainObject(record))
      return reject('invalid_record', `record must be an object, got ${describeValue(record)}`);
    out.record = record;
  }
  // A delete's record (never sent by Jetstream) is ignored rather than trusted.
  if (cid !== undefined) out.cid = cid;
  return out;
}

const isOperation = (v: unknown): v is CommitOperation => v === 'create' || v === 'update' || v === 'delete';

function validateIdentity(v: unknown, did: string): IdentityInfo | Rejection {
  if (v === undefined) return reject('missing_identity', 'identity event without identity');
  if (!isPlainObject(v)) return reject('invalid_identity', `identity must be an object, got ${describeValue(v)}`);
  // Jetstream repeats the did inside; a different one would make the event ambiguous.
  if (v.did !== undefined && v.did !== did) return reject('did_mismatch', 'identity.did differs from did');
  const out: IdentityInfo = { did };
  if (v.handle !== undefined && v.handle !== null) {
    if (typeof v.handle !== 'string') return reject('invalid_identity', `bad handle: ${describeValue(v.handle)}`);
    out.handle = v.handle;
  }
  const common = seqAndTime(v, out, 'invalid_identity');
  return common ?? out;
}

function validateAccount(v: unknown, did: string): AccountInfo | Rejection {
  if (v === undefined) return reject('missing_account', 'account event without account');
  if (!isPlainObject(v)) return reject('invalid_account', `account must be an object, got ${describeValue(v)}`);
  if (v.did !== undefined && v.did !== did) return reject('did_mismatch', 'account.did differs from did');
  if (typeof v.active !== 'boolean')
    return reject('invalid_account', `active must be a boolean, got ${describeValue(v.active)}`);
  const out: AccountInfo = { did, active: v.active };
  if (v.status !== undefined && v.status !== null) {
    if (typeof v.status !== 'string') return reject('invalid_account', `bad status: ${describeValue(v.status)}`);
    out.status = v.status;
  }
  const common = seqAndTime(v, out, 'invalid_account');
  return common ?? out;
}

function seqAndTime(
  v: Record<string, unknown>,
  out: { seq?: number; time?: string },
  reason: 'invalid_identity' | 'invalid_account',
): Rejection | undefined {
  if (v.seq !== undefined) {
    if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq))
      return reject(reason, `bad seq: ${describeValue(v.seq)}`);
    out.seq = v.seq;
  }
  if (v.time !== undefined) {
    if (typeof v.time !== 'string') return reject(reason, `bad time: ${describeValue(v.time)}`);
    out.time = v.time;
  }
  return undefined;
}

/**
 * True when `[`/`{` nest deeper than `max`. Linear, no recursion: string contents are skipped with indexOf,
 * so a typical event costs a few structural characters per field. Malformed input is left to JSON.parse.
 */
export function exceedsDepth(s: string, max: number): boolean {
  let depth = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the closing quote: the first `"` preceded by an even number of backslashes.
      let j = i + 1;
      for (;;) {
        j = s.indexOf('"', j);
        if (j === -1) return false;
        let k = j - 1;
        while (k > i && s.charCodeAt(k) === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}
