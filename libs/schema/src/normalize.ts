// A decoded Jetstream event → the rows it adds to the tables of columns.ts. Posts are validated here (the decoder
// leaves records untyped): a bad required field rejects the event, a bad optional element is dropped.

import { parseDatetimeUs } from './datetime';
import {
  POST_COLLECTION,
  type AccountEvent,
  type CommitEvent,
  type IdentityEvent,
  type JetstreamEvent,
} from './events';
import { reject, type Rejection } from './reasons';
import type { AccountRow, EmbedKind, IdentityRow, PostRow, TombstoneRow } from './rows';
import { describeValue, isDid, isHandle, isPlainObject } from './syntax';

export type TableRow =
  | { table: 'posts'; row: PostRow }
  | { table: 'tombstones'; row: TombstoneRow }
  | { table: 'accounts'; row: AccountRow }
  | { table: 'identities'; row: IdentityRow };

export type RowsResult = { ok: true; rows: TableRow[] } | Rejection;

/** The lexicon's limit on app.bsky.feed.post#text (it also says 300 graphemes; see toRows). */
export const MAX_TEXT_BYTES = 3000;

export const postUri = (did: string, rkey: string): string => `at://${did}/${POST_COLLECTION}/${rkey}`;

/**
 * Rows for one event: post create → posts; update → posts (operation 'update') + tombstones 'supersede';
 * post delete → tombstones 'delete'; account → accounts; identity → identities; other collections → none.
 * Only the 3000-byte limit of `text` is enforced: counting graphemes costs ~100× more and the PDS checks it.
 */
export function toRows(event: JetstreamEvent): RowsResult {
  switch (event.kind) {
    case 'commit':
      return commitRows(event);
    case 'account':
      return { ok: true, rows: [{ table: 'accounts', row: accountRow(event) }] };
    case 'identity':
      return { ok: true, rows: [{ table: 'identities', row: identityRow(event) }] };
    default:
      return { ok: true, rows: [] };
  }
}

function accountRow(e: AccountEvent): AccountRow {
  return {
    did: e.did,
    active: e.account.active,
    status: e.account.status ?? null,
    indexed_at: e.time_us,
    time_us: e.time_us,
  };
}

/**
 * Handles are case-insensitive: stored lower-cased so that lookups compare exactly. A missing handle, the
 * relay's `handle.invalid` marker or anything that is not handle syntax is kept as null (the event still says
 * the identity changed; the DID's last valid handle stays its handle).
 */
function identityRow(e: IdentityEvent): IdentityRow {
  const h = e.identity.handle?.trim().toLowerCase();
  const handle = h !== undefined && h !== 'handle.invalid' && isHandle(h) ? h : null;
  return { did: e.did, handle, indexed_at: e.time_us, time_us: e.time_us };
}

function commitRows(e: CommitEvent): RowsResult {
  const c = e.commit;
  if (c.collection !== POST_COLLECTION) return { ok: true, rows: [] };
  const uri = postUri(e.did, c.rkey);
  const tombstone = (kind: TombstoneRow['kind']): TableRow => ({
    table: 'tombstones',
    row: { uri, did: e.did, rkey: c.rkey, rev: c.rev, kind, indexed_at: e.time_us, time_us: e.time_us },
  });
  if (c.operation === 'delete') return { ok: true, rows: [tombstone('delete')] };
  const post = postRow(e, uri, c.operation);
  if (post.ok === false) return post;
  const rows: TableRow[] = [{ table: 'posts', row: post.row }];
  if (c.operation === 'update') rows.push(tombstone('supersede'));
  return { ok: true, rows };
}

function postRow(e: CommitEvent, uri: string, operation: PostRow['operation']): { ok: true; row: PostRow } | Rejection {
  const c = e.commit;
  const r = c.record;
  if (r === undefined) return reject('missing_record', `${operation} without record`);
  if (c.cid === undefined) return reject('missing_cid', `${operation} without cid`);
  if (r.$type !== POST_COLLECTION) return reject('invalid_record_type', `record $type is ${describeValue(r.$type)}`);

  let text = '';
  if (r.text !== undefined) {
    if (typeof r.text !== 'string')
      return reject('invalid_text', `text must be a string, got ${describeValue(r.text)}`);
    text = r.text;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: only short-circuit-free for texts over 1000 units.
  if (text.length * 3 > MAX_TEXT_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_TEXT_BYTES) {
      return reject('text_too_long', `text is ${bytes} bytes UTF-8, over the lexicon's ${MAX_TEXT_BYTES}-byte limit`);
    }
  }
  // A lone surrogate (only possible through a \ud800 escape) has no UTF-8 form: it could not be stored byte-exact.
  if (!(text as WellFormedCheck).isWellFormed()) return reject('invalid_text', 'text contains a lone surrogate');

  const mentions: string[] = [];
  const tags: string[] = [];
  const links: string[] = [];
  collectFacets(r.facets, mentions, tags, links);
  if (Array.isArray(r.tags)) for (const t of r.tags) if (typeof t === 'string' && t !== '') tags.push(t);

  const reply = isPlainObject(r.reply) ? r.reply : undefined;
  const embed = readEmbed(r.embed);

  return {
    ok: true,
    row: {
      uri,
      cid: c.cid,
      did: e.did,
      rkey: c.rkey,
      rev: c.rev,
      text,
      created_at: typeof r.createdAt === 'string' ? parseDatetimeUs(r.createdAt) : null,
      indexed_at: e.time_us,
      time_us: e.time_us,
      langs: Array.isArray(r.langs) ? r.langs.filter(isNonEmptyString) : [],
      reply_root_uri: reply ? strongRefUri(reply.root) : null,
      reply_parent_uri: reply ? strongRefUri(reply.parent) : null,
      embed_kind: embed.kind,
      quoted_uri: embed.quoted,
      external_uri: embed.external,
      mentions: dedupe(mentions),
      tags: dedupe(tags),
      links: dedupe(links),
      labels: selfLabels(r.labels),
      operation,
    },
  };
}

// String.prototype.isWellFormed is in Node 20 but in TypeScript's lib only from ES2024.
type WellFormedCheck = string & { isWellFormed(): boolean };

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

const dedupe = (xs: string[]): string[] => (xs.length < 2 ? xs : [...new Set(xs)]);

const isAtUri = (v: unknown): v is string => typeof v === 'string' && v.startsWith('at://');

/** com.atproto.repo.strongRef → its uri, when it is an at:// URI. */
const strongRefUri = (ref: unknown): string | null => (isPlainObject(ref) && isAtUri(ref.uri) ? ref.uri : null);

function collectFacets(facets: unknown, mentions: string[], tags: string[], links: string[]): void {
  if (!Array.isArray(facets)) return;
  for (const facet of facets) {
    if (!isPlainObject(facet) || !Array.isArray(facet.features)) continue;
    for (const f of facet.features) {
      if (!isPlainObject(f)) continue;
      switch (f.$type) {
        case 'app.bsky.richtext.facet#mention':
          if (typeof f.did === 'string' && isDid(f.did)) mentions.push(f.did);
          break;
        case 'app.bsky.richtext.facet#tag':
          if (isNonEmptyString(f.tag)) tags.push(f.tag);
          break;
        case 'app.bsky.richtext.facet#link':
          if (isNonEmptyString(f.uri)) links.push(f.uri);
          break;
      }
    }
  }
}

interface EmbedInfo {
  kind: EmbedKind | null;
  quoted: string | null;
  external: string | null;
}

const NO_EMBED: EmbedInfo = { kind: null, quoted: null, external: null };

function readEmbed(embed: unknown): EmbedInfo {
  if (!isPlainObject(embed)) return NO_EMBED;
  switch (embed.$type) {
    case 'app.bsky.embed.images':
      return { kind: 'images', quoted: null, external: null };
    case 'app.bsky.embed.video':
      return { kind: 'video', quoted: null, external: null };
    case 'app.bsky.embed.external':
      return { kind: 'external', quoted: null, external: externalUri(embed) };
    case 'app.bsky.embed.record':
      return { kind: 'record', quoted: strongRefUri(embed.record), external: null };
    case 'app.bsky.embed.recordWithMedia': {
      // { record: app.bsky.embed.record { record: strongRef }, media: images | video | external }
      const inner = isPlainObject(embed.record) ? strongRefUri(embed.record.record) : null;
      const media = embed.media;
      const external = isPlainObject(media) && media.$type === 'app.bsky.embed.external' ? externalUri(media) : null;
      return { kind: 'recordWithMedia', quoted: inner, external };
    }
    default:
      return NO_EMBED;
  }
}

const externalUri = (embed: Record<string, unknown>): string | null =>
  isPlainObject(embed.external) && isNonEmptyString(embed.external.uri) ? embed.external.uri : null;

/** com.atproto.label.defs#selfLabels → the label values. */
function selfLabels(labels: unknown): string[] {
  if (!isPlainObject(labels) || !Array.isArray(labels.values)) return [];
  const out: string[] = [];
  for (const l of labels.values) if (isPlainObject(l) && isNonEmptyString(l.val)) out.push(l.val);
  return dedupe(out);
}
