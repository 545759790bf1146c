// The synthetic firehose: event i is a pure function of (seed, i). Kinds, authors and targets come from
// stateless hashes of the index, so any event, and any earlier post it refers to (reply parent and root, quote,
// like subject, the post an update or delete touches), is rebuilt on demand without replaying the stream.
//
// Updates and deletes: the event at index i may touch the post at i - lag(i mod 8), with one lag per residue
// class, all multiples of 8. So i ↦ target is injective: a post is updated at most once, deleted at most once, and
// an update always comes before the delete of the same post (update lags < delete lags per class).

import {
  ALT_TEXTS,
  HANDLE_DOMAINS,
  HANDLE_SYLLABLES,
  LANGUAGES,
  LINK_DOMAINS,
  LINK_TITLES,
  SELF_LABELS,
  TAGS,
} from './corpus';
import { blobCid, plcDid, recordCid, slug, tid } from './ids';
import { Rng, cumulative, hashIndex, normaliseSeed, pickWeighted, unitAt } from './prng';
import { buildText, MAX_BYTES, MAX_GRAPHEMES, sampleLength, type MentionTarget } from './text';

// Globals bound once: under jest's vm context every global lookup (Math, JSON, Date) is ~100× slower.
const { exp, floor, log } = Math;
const stringify = JSON.stringify;
const DateCtor = Date;

/** 2026-05-25T00:00:00Z in µs. */
export const DEFAULT_START_TIME_US = Date.UTC(2026, 4, 25) * 1000;
/** ≈ 333 events/s of simulated time: with ~29 % post creates, ≈ 8.4M posts per simulated day. */
export const DEFAULT_STEP_US = 3000;
export const DEFAULT_AUTHORS = 20_000;

export interface SyntheticOptions {
  seed?: number | string;
  /** time_us of event 0 (µs since the Unix epoch). */
  startTimeUs?: number;
  /** time_us(i) = startTimeUs + i × stepUs + jitter, jitter ∈ [0, stepUs): strictly increasing, invertible. */
  stepUs?: number;
  /** Size of the author pool (Zipf-like: a few accounts post a lot). */
  authors?: number;
}

/** What an event is, for callers that count: 'post' is a post create; 'commit' is any other collection. */
export type SimEventType = 'post' | 'post-update' | 'post-delete' | 'commit' | 'identity' | 'account';
export type JetstreamKind = 'commit' | 'identity' | 'account';
export type CommitOperation = 'create' | 'update' | 'delete';

export interface JetstreamEventJson {
  did: string;
  time_us: number;
  kind: JetstreamKind;
  commit?: {
    rev: string;
    operation: CommitOperation;
    collection: string;
    rkey: string;
    record?: Record<string, unknown>;
    cid?: string;
  };
  identity?: { did: string; handle?: string; seq: number; time: string };
  account?: { active: boolean; did: string; seq: number; status?: string; time: string };
}

export interface EventMeta {
  readonly index: number;
  readonly timeUs: number;
  readonly did: string;
  readonly kind: JetstreamKind;
  readonly type: SimEventType;
  /** Commit collection, null for identity / account. */
  readonly collection: string | null;
  readonly operation: CommitOperation | null;
}

export interface SimEvent extends EventMeta {
  /** The event as Jetstream sends it (a fresh object per call). */
  readonly event: JetstreamEventJson;
  /** Exactly the JSON text Jetstream would send; computed on first access. */
  readonly json: string;
}

export const POST_COLLECTION = 'app.bsky.feed.post';

// Base draw per index (cumulative thresholds over all events).
const P_IDENTITY = 0.005;
const P_ACCOUNT = P_IDENTITY + 0.002;
const P_DELETE_SLOT = P_ACCOUNT + 0.02; // becomes a delete when its target is a post: ≈ 2 % of posts deleted
const P_UPDATE_SLOT = P_DELETE_SLOT + 0.005; // ≈ 0.5 % of posts updated
const P_POST = P_UPDATE_SLOT + 0.29;
const P_REPLY = 0.45;

const LAG_CLASSES = 8;
const DELETE_LAGS = [3, 12, 40, 125, 400, 1250, 5000, 40000].map((x) => x * LAG_CLASSES);
const UPDATE_LAGS = [1, 2, 4, 8, 16, 32, 64, 128].map((x) => x * LAG_CLASSES);

// Salts: one independent hash stream per property.
const enum Salt {
  Kind = 1,
  Jitter,
  Author,
  Created,
  CreatedDelay,
  Clock,
  Cid,
  Reply,
  Parent,
  Content,
  Other,
  Did,
  Handle,
  Misc,
  HandleChange,
}

/** 1 author in this many changes handle once (see handleAt). */
const HANDLE_CHANGE_SHARE = 8;
/** The event index before which a changing author's handle changes. */
const HANDLE_CHANGE_WITHIN = 20_000;

interface OtherCollection {
  readonly nsid: string;
  readonly weight: number;
}

const OTHER_COLLECTIONS: readonly OtherCollection[] = [
  { nsid: 'app.bsky.feed.like', weight: 60 },
  { nsid: 'app.bsky.feed.repost', weight: 10 },
  { nsid: 'app.bsky.graph.follow', weight: 14 },
  { nsid: 'app.bsky.graph.block', weight: 2 },
  { nsid: 'app.bsky.graph.listitem', weight: 3 },
  { nsid: 'app.bsky.actor.profile', weight: 2 },
  { nsid: 'app.bsky.feed.threadgate', weight: 2 },
  { nsid: 'app.bsky.feed.postgate', weight: 1 },
  { nsid: 'chat.bsky.actor.declaration', weight: 0.5 },
  { nsid: 'place.stream.chat.message', weight: 2 },
  { nsid: 'sh.tangled.feed.star', weight: 0.5 },
  { nsid: 'fyi.unravel.frontpage.vote', weight: 1 },
];
const OTHER_CDF = cumulative(OTHER_COLLECTIONS.map((c) => c.weight));
const LANG_CDF = cumulative(LANGUAGES.map((l) => l.weight));

const ACCOUNT_STATES: ReadonlyArray<{ active: boolean; status?: string; weight: number }> = [
  { active: true, weight: 45 },
  { active: false, status: 'deactivated', weight: 30 },
  { active: false, status: 'takendown', weight: 10 },
  { active: false, status: 'suspended', weight: 5 },
  { active: false, status: 'deleted', weight: 10 },
];
const ACCOUNT_CDF = cumulative(ACCOUNT_STATES.map((s) => s.weight));

const SEQ_BASE = 30_000_000_000;
const ACCOUNT_DID_SPREAD = 50;

class GeneratedEvent implements SimEvent {
  private cached: string | undefined;

  constructor(
    readonly index: number,
    readonly timeUs: number,
    readonly did: string,
    readonly kind: JetstreamKind,
    readonly type: SimEventType,
    readonly collection: string | null,
    readonly operation: CommitOperation | null,
    readonly event: JetstreamEventJson,
  ) {}

  get json(): string {
    return (this.cached ??= stringify(this.event));
  }
}

interface Plan extends EventMeta {
  /** Post index an update / delete touches; -1 otherwise. */
  readonly target: number;
}

export class SyntheticFirehose {
  readonly seed: number;
  readonly startTimeUs: number;
  readonly stepUs: number;
  readonly authors: number;
  private readonly dids: Array<string | undefined>;
  private readonly handles: Array<string | undefined>;
  private readonly zipfLogK: number;
  private readonly zipfLogSpan: number;

  constructor(options: SyntheticOptions = {}) {
    this.seed = normaliseSeed(options.seed);
    this.startTimeUs = options.startTimeUs ?? DEFAULT_START_TIME_US;
    this.stepUs = options.stepUs ?? DEFAULT_STEP_US;
    this.authors = options.authors ?? DEFAULT_AUTHORS;
    if (!Number.isSafeInteger(this.startTimeUs) || this.startTimeUs <= 0)
      throw new RangeError('startTimeUs must be a positive integer');
    if (!Number.isSafeInteger(this.stepUs) || this.stepUs < 1) throw new RangeError('stepUs must be an integer ≥ 1');
    if (!Number.isSafeInteger(this.authors) || this.authors < 1) throw new RangeError('authors must be an integer ≥ 1');
    this.dids = new Array(this.authors);
    this.handles = new Array(this.authors);
    // Author rank = exp(ln K + u·(ln(N+K) − ln K)) − K: Zipf-like (density ∝ 1/(rank+K)); the busiest account
    // writes ~1 % of events rather than a pure 1/rank law's ~7 %.
    const K = 10;
    this.zipfLogK = log(K);
    this.zipfLogSpan = log(this.authors + K) - this.zipfLogK;
  }

  /** time_us of event `index`. */
  timeUsAt(index: number): number {
    return this.startTimeUs + index * this.stepUs + floor(unitAt(this.seed, index, Salt.Jitter) * this.stepUs);
  }

  /** The first index whose time_us ≥ `timeUs` (the inclusive cursor position). */
  indexAtOrAfter(timeUs: number): number {
    if (timeUs <= this.startTimeUs) return 0;
    const i = floor((timeUs - this.startTimeUs) / this.stepUs);
    return this.timeUsAt(i) >= timeUs ? i : i + 1;
  }

  /** Kind, author and collection of event `index`, without building it (cheap: for filtering). */
  meta(index: number): EventMeta {
    return this.plan(index);
  }

  /** Event `index`, complete. */
  event(index: number): SimEvent {
    const p = this.plan(index);
    let event: JetstreamEventJson;
    switch (p.type) {
      case 'post':
        event = this.commit(p, this.postRkey(index), this.postRecord(index).record, this.postCid(index));
        break;
      case 'post-update': {
        const { record, graphemes, bytes } = this.postRecord(p.target);
        // An edit: same rkey and createdAt, new text and CID.
        if (graphemes + 9 <= MAX_GRAPHEMES && bytes + 9 <= MAX_BYTES) record.text = `${record.text as string} (edited)`;
        event = this.commit(p, this.postRkey(p.target), record, this.postCid(index));
        break;
      }
      case 'post-delete':
        event = this.commit(p, this.postRkey(p.target), undefined, undefined);
        break;
      case 'commit':
        event = this.otherCommit(p);
        break;
      case 'identity':
        event = this.identity(p);
        break;
      case 'account':
        event = this.account(p);
        break;
    }
    return new GeneratedEvent(index, p.timeUs, p.did, p.kind, p.type, p.collection, p.operation, event);
  }

  /** Events [from, from + count); count undefined → endless. */
  *events(from = 0, count?: number): Generator<SimEvent, void, undefined> {
    const end = count === undefined ? Number.MAX_SAFE_INTEGER : from + count;
    for (let i = from; i < end; i++) yield this.event(i);
  }

  /** AT URI of the post created at `index` (which must be a post index). */
  postUri(index: number): string {
    return `at://${this.authorDid(this.authorRank(index))}/${POST_COLLECTION}/${this.postRkey(index)}`;
  }

  /** True when event `index` is a post create. */
  isPost(index: number): boolean {
    const u = unitAt(this.seed, index, Salt.Kind);
    return u >= P_UPDATE_SLOT && u < P_POST;
  }

  private plan(i: number): Plan {
    const timeUs = this.timeUsAt(i);
    const u = unitAt(this.seed, i, Salt.Kind);
    if (u < P_IDENTITY) {
      return {
        index: i,
        timeUs,
        did: this.uniformDid(i),
        kind: 'identity',
        type: 'identity',
        collection: null,
        operation: null,
        target: -1,
      };
    }
    if (u < P_ACCOUNT) {
      return {
        index: i,
        timeUs,
        did: this.accountDid(i),
        kind: 'account',
        type: 'account',
        collection: null,
        operation: null,
        target: -1,
      };
    }
    if (u < P_UPDATE_SLOT) {
      const isDelete = u < P_DELETE_SLOT;
      const lag = (isDelete ? DELETE_LAGS : UPDATE_LAGS)[i % LAG_CLASSES];
      const target = i - lag;
      if (target >= 0 && this.isPost(target)) {
        return {
          index: i,
          timeUs,
          did: this.authorDid(this.authorRank(target)),
          kind: 'commit',
          type: isDelete ? 'post-delete' : 'post-update',
          collection: POST_COLLECTION,
          operation: isDelete ? 'delete' : 'update',
          target,
        };
      }
      // No post there to touch: an ordinary commit instead.
    } else if (u < P_POST) {
      const did = this.authorDid(this.authorRank(i));
      return {
        index: i,
        timeUs,
        did,
        kind: 'commit',
        type: 'post',
        collection: POST_COLLECTION,
        operation: 'create',
        target: -1,
      };
    }
    const c = OTHER_COLLECTIONS[pickWeighted(OTHER_CDF, unitAt(this.seed, i, Salt.Other))].nsid;
    const h = hashIndex(this.seed, i, Salt.Misc);
    const operation: CommitOperation =
      c === 'app.bsky.actor.profile' || c === 'chat.bsky.actor.declaration'
        ? 'update'
        : h % 100 < 6
          ? 'delete'
          : 'create';
    return {
      index: i,
      timeUs,
      did: this.authorDid(this.authorRank(i)),
      kind: 'commit',
      type: 'commit',
      collection: c,
      operation,
      target: -1,
    };
  }

  private authorRank(i: number): number {
    const u = unitAt(this.seed, i, Salt.Author);
    const r = floor(exp(this.zipfLogK + u * this.zipfLogSpan)) - 10;
    return r < 0 ? 0 : r >= this.authors ? this.authors - 1 : r;
  }

  private uniformDid(i: number): string {
    return this.authorDid(floor(unitAt(this.seed, i, Salt.Author) * this.authors));
  }

  /**
   * Account status changes concern the whole network, not mostly today's posters: the DID is drawn from a space
   * ACCOUNT_DID_SPREAD times the author pool, so about 1 in ACCOUNT_DID_SPREAD hits an author (otherwise a small pool
   * would see most of its authors deactivated within a day, hiding half of all posts).
   */
  private accountDid(i: number): string {
    const rank = floor(unitAt(this.seed, i, Salt.Author) * this.authors * ACCOUNT_DID_SPREAD);
    return rank < this.authors ? this.authorDid(rank) : plcDid(new Rng(hashIndex(this.seed, rank, Salt.Did)));
  }

  private authorDid(rank: number): string {
    return (this.dids[rank] ??= plcDid(new Rng(hashIndex(this.seed, rank, Salt.Did))));
  }

  private handle(rank: number): string {
    let h = this.handles[rank];
    if (h === undefined) {
      const rng = new Rng(hashIndex(this.seed, rank, Salt.Handle));
      h = rng.pick(HANDLE_SYLLABLES) + rng.pick(HANDLE_SYLLABLES);
      if (rng.chance(0.5)) h += rng.pick(HANDLE_SYLLABLES);
      if (rng.chance(0.3)) h += String(rng.int(100));
      h = this.handles[rank] = `${h}.${rng.pick(HANDLE_DOMAINS)}`;
    }
    return h;
  }

  /**
   * The handle an identity event of author `rank` carries at event `index`: 1 author in HANDLE_CHANGE_SHARE
   * changes handle once, at an index below HANDLE_CHANGE_WITHIN (so short runs see it too), to a new name on the
   * same domain; its identity events after that carry the new handle.
   */
  private handleAt(rank: number, index: number): string {
    const old = this.handle(rank);
    const h = hashIndex(this.seed, rank, Salt.HandleChange);
    if (h % HANDLE_CHANGE_SHARE !== 0 || index < (h >>> 8) % HANDLE_CHANGE_WITHIN) return old;
    const dot = old.indexOf('.');
    return `${old.slice(0, dot)}${10 + ((h >>> 4) % 90)}${old.slice(dot)}`;
  }

  private mentionTarget(rng: Rng): MentionTarget {
    const rank = rng.int(this.authors);
    return { did: this.authorDid(rank), handle: this.handle(rank) };
  }

  /** createdAt in ms: usually a moment before time_us; now and then backdated or in the future (clients lie). */
  private createdMs(i: number): number {
    const nowMs = floor(this.timeUsAt(i) / 1000);
    const w = unitAt(this.seed, i, Salt.Created);
    const d = unitAt(this.seed, i, Salt.CreatedDelay);
    if (w < 0.002) return nowMs - 86_400_000 - floor(d * 5 * 365 * 86_400_000);
    if (w < 0.003) return nowMs + 60_000 + floor(d * 2 * 86_400_000);
    return nowMs - 50 - floor(d * 3000);
  }

  private postRkey(i: number): string {
    const h = hashIndex(this.seed, i, Salt.Clock);
    return tid(this.createdMs(i) * 1000 + (h % 1000), (h >>> 10) & 1023);
  }

  private postCid(i: number): string {
    return recordCid(new Rng(hashIndex(this.seed, i, Salt.Cid)));
  }

  private strongRef(i: number): { cid: string; uri: string } {
    return { cid: this.postCid(i), uri: this.postUri(i) };
  }

  /** The nearest post create at or before i − distance (looking back at most 64 events), or -1. */
  private postBefore(i: number, distance: number): number {
    let k = i - distance;
    for (let steps = 0; k >= 0 && steps < 64; k--, steps++) if (this.isPost(k)) return k;
    return -1;
  }

  private parentOf(i: number): number {
    if (unitAt(this.seed, i, Salt.Reply) >= P_REPLY) return -1;
    const u = unitAt(this.seed, i, Salt.Parent);
    return this.postBefore(i, 1 + floor(u * u * u * 5000));
  }

  private rootOf(i: number): number {
    let cur = i;
    for (let depth = 0; depth < 32; depth++) {
      const p = this.parentOf(cur);
      if (p < 0) return cur;
      cur = p;
    }
    return cur;
  }

  private postRecord(i: number): { record: Record<string, unknown>; graphemes: number; bytes: number } {
    const rng = new Rng(hashIndex(this.seed, i, Salt.Content));
    const language = LANGUAGES[pickWeighted(LANG_CDF, rng.next())];
    const e = rng.next();
    let embedKind: 'none' | 'images' | 'video' | 'external' | 'record' | 'recordWithMedia' =
      e < 0.6
        ? 'none'
        : e < 0.8
          ? 'images'
          : e < 0.84
            ? 'video'
            : e < 0.92
              ? 'external'
              : e < 0.98
                ? 'record'
                : 'recordWithMedia';
    let quoted = -1;
    if (embedKind === 'record' || embedKind === 'recordWithMedia') {
      quoted = this.postBefore(i, 1 + floor(rng.next() ** 2 * 20000));
      if (quoted < 0) embedKind = 'none';
    }
    const hasMedia = embedKind === 'images' || embedKind === 'video' || embedKind === 'recordWithMedia';
    const empty = hasMedia && rng.chance(0.15);
    const built = buildText(rng, language, empty ? 0 : sampleLength(rng), () => this.mentionTarget(rng));

    // Keys in the order Jetstream prints them (sorted).
    const record: Record<string, unknown> = {
      $type: POST_COLLECTION,
      createdAt: new DateCtor(this.createdMs(i)).toISOString(),
    };
    if (embedKind !== 'none') {
      const media = (): Record<string, unknown> => (rng.chance(0.8) ? this.images(rng) : this.video(rng));
      switch (embedKind) {
        case 'images':
          record.embed = this.images(rng);
          break;
        case 'video':
          record.embed = this.video(rng);
          break;
        case 'external':
          record.embed = this.external(rng);
          break;
        case 'record':
          record.embed = { $type: 'app.bsky.embed.record', record: this.strongRef(quoted) };
          break;
        case 'recordWithMedia':
          record.embed = {
            $type: 'app.bsky.embed.recordWithMedia',
            media: media(),
            record: { $type: 'app.bsky.embed.record', record: this.strongRef(quoted) },
          };
          break;
      }
    }
    if (built.facets.length > 0) record.facets = built.facets;
    if (rng.chance(0.01))
      record.labels = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: rng.pick(SELF_LABELS) }] };
    const l = rng.next();
    if (l >= 0.03) record.langs = l < 0.05 && language.code !== 'en' ? [language.code, 'en'] : [language.code];
    const parent = this.parentOf(i);
    if (parent >= 0) record.reply = { parent: this.strongRef(parent), root: this.strongRef(this.rootOf(parent)) };
    if (rng.chance(0.005)) record.tags = [rng.pick(TAGS).s];
    record.text = built.text;
    return { record, graphemes: built.graphemes, bytes: built.bytes };
  }

  private blob(rng: Rng, mimeType: string, size: number): Record<string, unknown> {
    return { $type: 'blob', ref: { $link: blobCid(rng) }, mimeType, size };
  }

  private images(rng: Rng): Record<string, unknown> {
    const n = rng.chance(0.7) ? 1 : rng.range(2, 4);
    const images = [];
    for (let k = 0; k < n; k++) {
      images.push({
        alt: rng.pick(ALT_TEXTS),
        aspectRatio: { height: rng.range(400, 2000), width: rng.range(400, 2000) },
        image: this.blob(rng, rng.chance(0.85) ? 'image/jpeg' : 'image/png', rng.range(20_000, 990_000)),
      });
    }
    return { $type: 'app.bsky.embed.images', images };
  }

  private video(rng: Rng): Record<string, unknown> {
    return {
      $type: 'app.bsky.embed.video',
      aspectRatio: { height: 1920, width: 1080 },
      video: this.blob(rng, 'video/mp4', rng.range(500_000, 50_000_000)),
    };
  }

  private external(rng: Rng): Record<string, unknown> {
    const external: Record<string, unknown> = { description: rng.pick(LINK_TITLES) };
    if (rng.chance(0.7)) external.thumb = this.blob(rng, 'image/jpeg', rng.range(10_000, 900_000));
    external.title = rng.pick(LINK_TITLES);
    external.uri = `https://${rng.pick(LINK_DOMAINS)}/${slug(rng, 6 + rng.int(20))}`;
    return { $type: 'app.bsky.embed.external', external };
  }

  private rev(i: number): string {
    // A constant offset before time_us keeps revs increasing per repo, as a PDS's are.
    return tid(this.timeUsAt(i) - 1500, hashIndex(this.seed, i, Salt.Clock) & 1023);
  }

  private commit(
    p: Plan,
    rkey: string,
    record: Record<string, unknown> | undefined,
    cid: string | undefined,
  ): JetstreamEventJson {
    const commit: NonNullable<JetstreamEventJson['commit']> = {
      rev: this.rev(p.index),
      operation: p.operation as CommitOperation,
      collection: p.collection as string,
      rkey,
    };
    if (record !== undefined) commit.record = record;
    if (cid !== undefined) commit.cid = cid;
    return { did: p.did, time_us: p.timeUs, kind: 'commit', commit };
  }

  private otherCommit(p: Plan): JetstreamEventJson {
    const i = p.index;
    const c = p.collection as string;
    const rng = new Rng(hashIndex(this.seed, i, Salt.Content));
    const rkey =
      c === 'app.bsky.actor.profile' || c === 'chat.bsky.actor.declaration'
        ? 'self'
        : tid(p.timeUs - 200 - rng.int(2000), rng.int(1024));
    if (p.operation === 'delete') return this.commit(p, rkey, undefined, undefined);
    const createdAt = new DateCtor(floor(p.timeUs / 1000) - 50 - rng.int(3000)).toISOString();
    const subjectPost = (): { cid: string; uri: string } => {
      const k = this.postBefore(i, 1 + floor(rng.next() ** 2 * 50000));
      if (k >= 0) return this.strongRef(k);
      return {
        cid: recordCid(rng),
        uri: `at://${plcDid(rng)}/${POST_COLLECTION}/${tid(p.timeUs - 1e9 - rng.int(1e9), rng.int(1024))}`,
      };
    };
    const someone = (): string => this.authorDid(rng.int(this.authors));
    let record: Record<string, unknown>;
    switch (c) {
      case 'app.bsky.feed.like':
      case 'app.bsky.feed.repost':
        record = { $type: c, createdAt, subject: subjectPost() };
        break;
      case 'app.bsky.graph.follow':
      case 'app.bsky.graph.block':
        record = { $type: c, createdAt, subject: someone() };
        break;
      case 'app.bsky.graph.listitem':
        record = {
          $type: c,
          createdAt,
          list: `at://${p.did}/app.bsky.graph.list/${tid(p.timeUs - 5e9, 7)}`,
          subject: someone(),
        };
        break;
      case 'app.bsky.actor.profile':
        record = {
          $type: c,
          createdAt,
          description: 'she/her · art · 🦋',
          displayName: this.handle(rng.int(this.authors)).split('.')[0],
        };
        break;
      case 'app.bsky.feed.threadgate':
      case 'app.bsky.feed.postgate': {
        const k = this.postBefore(i, 1);
        const post = k >= 0 ? this.postUri(k) : `at://${p.did}/${POST_COLLECTION}/${rkey}`;
        record =
          c === 'app.bsky.feed.threadgate'
            ? {
                $type: c,
                allow: [{ $type: 'app.bsky.feed.threadgate#followingRule' }],
                createdAt,
                hiddenReplies: [],
                post,
              }
            : { $type: c, createdAt, embeddingRules: [{ $type: 'app.bsky.feed.postgate#disableRule' }], post };
        break;
      }
      case 'chat.bsky.actor.declaration':
        record = { $type: c, allowIncoming: rng.pick(['all', 'following', 'none']) };
        break;
      case 'place.stream.chat.message':
        record = {
          $type: c,
          createdAt,
          streamer: someone(),
          text: rng.pick(['gg', 'lol', 'hi chat 👋', 'ないす', 'kkkkk']),
        };
        break;
      default:
        record = { $type: c, createdAt, subject: { uri: `https://${rng.pick(LINK_DOMAINS)}/${slug(rng, 8)}` } };
    }
    return this.commit(p, rkey, record, recordCid(rng));
  }

  private isoTime(p: Plan): string {
    return new DateCtor(floor(p.timeUs / 1000) - 1 - (hashIndex(this.seed, p.index, Salt.Created) % 400)).toISOString();
  }

  private seq(i: number): number {
    return SEQ_BASE + i * 4 + (hashIndex(this.seed, i, Salt.Misc) & 3);
  }

  private identity(p: Plan): JetstreamEventJson {
    const identity: NonNullable<JetstreamEventJson['identity']> = {
      did: p.did,
      seq: this.seq(p.index),
      time: this.isoTime(p),
    };
    if (hashIndex(this.seed, p.index, Salt.Misc) % 10 < 6) {
      // Keys sorted as Jetstream prints them: did, handle, seq, time.
      const { did, seq, time } = identity;
      return {
        did: p.did,
        time_us: p.timeUs,
        kind: 'identity',
        identity: { did, handle: this.handleAt(this.rankOf(p), p.index), seq, time },
      };
    }
    return { did: p.did, time_us: p.timeUs, kind: 'identity', identity };
  }

  private rankOf(p: Plan): number {
    return floor(unitAt(this.seed, p.index, Salt.Author) * this.authors);
  }

  private account(p: Plan): JetstreamEventJson {
    const state = ACCOUNT_STATES[pickWeighted(ACCOUNT_CDF, unitAt(this.seed, p.index, Salt.Other))];
    const [active, did, seq, time] = [state.active, p.did, this.seq(p.index), this.isoTime(p)];
    // Keys sorted as Jetstream prints them; `status` only on inactive accounts.
    const account =
      state.status === undefined ? { active, did, seq, time } : { active, did, seq, status: state.status, time };
    return { did: p.did, time_us: p.timeUs, kind: 'account', account };
  }
}

export interface GenerateOptions extends SyntheticOptions {
  /** Number of events; undefined or 0 → endless. */
  count?: number;
  /** First index (default 0). */
  from?: number;
}

/** Synthetic events without a server: `for (const e of generateEvents({ seed: 1, count: 1e6 })) out.write(e.json + '\n')`. */
export function generateEvents(options: GenerateOptions = {}): Generator<SimEvent, void, undefined> {
  const count = options.count === undefined || options.count === 0 ? undefined : options.count;
  return new SyntheticFirehose(options).events(options.from ?? 0, count);
}
