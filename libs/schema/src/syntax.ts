// atproto identifier syntax checks, shared by the decoder and the normaliser. Regexes are anchored and linear.

const DID_RE = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/;
const NSID_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,62}(\.[a-zA-Z0-9][a-zA-Z0-9-]{0,62})+$/;
const RKEY_RE = /^[a-zA-Z0-9._:~-]{1,512}$/;
const REV_RE = /^[a-zA-Z0-9]{1,64}$/;
const CID_RE = /^[a-zA-Z0-9]{8,128}$/;

// atproto handle syntax (a domain name; the last label starts with a letter), checked lower-cased.
const HANDLE_RE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const isDid = (s: string): boolean => s.length <= 2048 && DID_RE.test(s);
/** A syntactically valid handle, lower-case (at most 253 characters). */
export const isHandle = (s: string): boolean => s.length <= 253 && HANDLE_RE.test(s);
export const isNsid = (s: string): boolean => s.length <= 317 && NSID_RE.test(s);
export const isRecordKey = (s: string): boolean => s !== '.' && s !== '..' && RKEY_RE.test(s);
export const isRev = (s: string): boolean => REV_RE.test(s);
export const isCid = (s: string): boolean => CID_RE.test(s);

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A short description of a bad value for rejection details: its type, and short strings verbatim. */
export const describeValue = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : `string of length ${v.length}`;
  if (typeof v === 'number') return `number ${v}`;
  return typeof v;
};
