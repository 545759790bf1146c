// /subscribe query parameters, parsed and checked the way Jetstream does (bad input → HTTP 400 with a reason).

export interface SubscribeParams {
  /** Exact NSIDs. Empty with no prefixes → every collection. */
  collections: ReadonlySet<string>;
  /** `app.bsky.feed.*` → `app.bsky.feed.` */
  collectionPrefixes: readonly string[];
  /** Empty → every DID. */
  dids: ReadonlySet<string>;
  /** time_us to replay from (inclusive); undefined → live. */
  cursor: number | undefined;
  /** Messages larger than this (UTF-8 bytes) are not sent; 0 → no limit. */
  maxMessageSizeBytes: number;
}

export class SubscribeParamsError extends Error {
  override name = 'SubscribeParamsError';
}

const NSID_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,62}(\.[a-zA-Z0-9][a-zA-Z0-9-]{0,62})+$/;
const NSID_PREFIX_RE = /^[a-zA-Z][a-zA-Z0-9-]{0,62}(\.[a-zA-Z0-9][a-zA-Z0-9-]{0,62})*\.\*$/;
const DID_RE = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/;
// Jetstream's own limits.
const MAX_COLLECTIONS = 100;
const MAX_DIDS = 10_000;

/** Parses a request URL's query. Repeated keys and comma-separated values are both accepted. */
export function parseSubscribeParams(search: URLSearchParams): SubscribeParams {
  const values = (key: string): string[] =>
    search
      .getAll(key)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => v !== '');

  const collections = new Set<string>();
  const collectionPrefixes: string[] = [];
  const wanted = values('wantedCollections');
  if (wanted.length > MAX_COLLECTIONS)
    throw new SubscribeParamsError(`too many wantedCollections (max ${MAX_COLLECTIONS})`);
  for (const c of wanted) {
    if (NSID_PREFIX_RE.test(c)) collectionPrefixes.push(c.slice(0, -1));
    else if (NSID_RE.test(c)) collections.add(c);
    else throw new SubscribeParamsError(`invalid collection: ${c.slice(0, 100)}`);
  }

  const dids = new Set<string>();
  const wantedDids = values('wantedDids');
  if (wantedDids.length > MAX_DIDS) throw new SubscribeParamsError(`too many wantedDids (max ${MAX_DIDS})`);
  for (const d of wantedDids) {
    if (!DID_RE.test(d)) throw new SubscribeParamsError(`invalid DID: ${d.slice(0, 100)}`);
    dids.add(d);
  }

  return {
    collections,
    collectionPrefixes,
    dids,
    cursor: optionalInteger(search.get('cursor'), 'cursor'),
    maxMessageSizeBytes: optionalInteger(search.get('maxMessageSizeBytes'), 'maxMessageSizeBytes') ?? 0,
  };
}

function optionalInteger(raw: string | null, name: string): number | undefined {
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new SubscribeParamsError(`${name} must be an integer`);
  return n < 0 ? 0 : n;
}

/** What the filter needs to know of an event; null fields = unknown (a malformed message: always sent). */
export interface FilterFacts {
  did: string | null;
  kind: string | null;
  collection: string | null;
}

/**
 * Jetstream's rules: wantedDids applies to every event; wantedCollections only to commits (identity and account
 * events pass it). A message whose facts are unknown (not parseable) passes, so tests can inject garbage.
 */
export function matches(p: SubscribeParams, e: FilterFacts): boolean {
  if (p.dids.size > 0 && e.did !== null && !p.dids.has(e.did)) return false;
  if (e.kind !== 'commit' || e.collection === null) return true;
  if (p.collections.size === 0 && p.collectionPrefixes.length === 0) return true;
  if (p.collections.has(e.collection)) return true;
  for (const prefix of p.collectionPrefixes) if (e.collection.startsWith(prefix)) return true;
  return false;
}
