// Row shapes matching columns.ts. Timestamps are integer microseconds since the Unix epoch (UTC); they fit
// in a JS number (2^53 µs is year 2255).

export interface PostRow {
  uri: string;
  cid: string;
  did: string;
  rkey: string;
  rev: string;
  text: string;
  created_at: number | null;
  indexed_at: number;
  time_us: number;
  langs: string[];
  reply_root_uri: string | null;
  reply_parent_uri: string | null;
  embed_kind: EmbedKind | null;
  quoted_uri: string | null;
  external_uri: string | null;
  mentions: string[];
  tags: string[];
  links: string[];
  labels: string[];
  operation: 'create' | 'update';
}

export type EmbedKind = 'images' | 'video' | 'external' | 'record' | 'recordWithMedia';

export interface TombstoneRow {
  uri: string;
  did: string;
  rkey: string;
  rev: string;
  kind: 'delete' | 'supersede';
  indexed_at: number;
  time_us: number;
}

export interface AccountRow {
  did: string;
  active: boolean;
  status: string | null;
  indexed_at: number;
  time_us: number;
}

export interface IdentityRow {
  did: string;
  /** Lower-cased; null when the event has no valid handle. */
  handle: string | null;
  indexed_at: number;
  time_us: number;
}

export interface TableRows {
  posts: PostRow;
  tombstones: TombstoneRow;
  accounts: AccountRow;
  identities: IdentityRow;
}
