// Jetstream event shapes after decoding (see decode.ts). Only validated fields are kept; the commit `record` is
// passed through untyped because its shape depends on the collection (normalize.ts validates posts).

export type EventKind = 'commit' | 'identity' | 'account';
export type CommitOperation = 'create' | 'update' | 'delete';

interface EventBase {
  /** Author / subject DID (`did:method:id`). */
  did: string;
  /** When Jetstream saw the event, µs since the Unix epoch; the v1 resume cursor. */
  time_us: number;
  /** Jetstream v2 per-host sequence; absent on v1 hosts. */
  cursor?: number;
}

export interface Commit {
  rev: string;
  operation: CommitOperation;
  /** NSID, e.g. `app.bsky.feed.post`. */
  collection: string;
  rkey: string;
  /** Present on create/update, never on delete. */
  record?: Record<string, unknown>;
  cid?: string;
}

export interface CommitEvent extends EventBase {
  kind: 'commit';
  commit: Commit;
}

export interface IdentityInfo {
  did: string;
  handle?: string;
  seq?: number;
  time?: string;
}

export interface IdentityEvent extends EventBase {
  kind: 'identity';
  identity: IdentityInfo;
}

export interface AccountInfo {
  did: string;
  active: boolean;
  /** Why an account is inactive: takendown, suspended, deleted, deactivated, … */
  status?: string;
  seq?: number;
  time?: string;
}

export interface AccountEvent extends EventBase {
  kind: 'account';
  account: AccountInfo;
}

export type JetstreamEvent = CommitEvent | IdentityEvent | AccountEvent;

export const POST_COLLECTION = 'app.bsky.feed.post';
