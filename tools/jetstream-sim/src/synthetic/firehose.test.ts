import { createHash } from 'node:crypto';
import { decodeEvent, toRows, type PostRow } from '@bsky-explorer/schema';
import {
  DEFAULT_START_TIME_US,
  generateEvents,
  SyntheticFirehose,
  type JetstreamEventJson,
  type SimEvent,
} from './firehose';

const N = 30_000;
const events: SimEvent[] = [...generateEvents({ seed: 2026, count: N })];
const parsed = events.map((e) => JSON.parse(e.json) as JetstreamEventJson);
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (s: string): number => [...segmenter.segment(s)].length;
const digest = (es: Iterable<SimEvent>): string => {
  const h = createHash('sha256');
  for (const e of es) h.update(e.json + '\n');
  return h.digest('hex');
};
const posts = parsed.filter((e) => e.commit?.collection === 'app.bsky.feed.post' && e.commit.operation === 'create');
const records = posts.map((e) => e.commit!.record as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('determinism and time', () => {
  it('the same seed gives byte-identical events; another seed does not', () => {
    expect(digest(generateEvents({ seed: 2026, count: N }))).toBe(digest(events));
    expect(digest(generateEvents({ seed: 2027, count: N }))).not.toBe(digest(events));
  });

  it('any event can be rebuilt alone, and from a later start', () => {
    const f = new SyntheticFirehose({ seed: 2026 });
    for (const i of [0, 1, 777, 12_345, N - 1]) expect(f.event(i).json).toBe(events[i].json);
    expect([...generateEvents({ seed: 2026, from: 100, count: 5 })].map((e) => e.json)).toEqual(
      events.slice(100, 105).map((e) => e.json),
    );
  });

  it('time_us starts at the epoch, strictly increases, and maps back to the index (inclusive cursor)', () => {
    expect(events[0].timeUs).toBeGreaterThanOrEqual(DEFAULT_START_TIME_US);
    expect(events[0].timeUs).toBeLessThan(DEFAULT_START_TIME_US + 3000);
    expect(events.every((e, i) => i === 0 || e.timeUs > events[i - 1].timeUs)).toBe(true);
    const f = new SyntheticFirehose({ seed: 2026 });
    for (let i = 0; i < N; i += 97) {
      expect(f.indexAtOrAfter(events[i].timeUs)).toBe(i);
      expect(f.indexAtOrAfter(events[i].timeUs + 1)).toBe(i + 1);
      expect(f.indexAtOrAfter(events[i].timeUs - 1)).toBe(
        i === 0 || events[i - 1].timeUs < events[i].timeUs - 1 ? i : i - 1,
      );
    }
    const custom = new SyntheticFirehose({ seed: 1, startTimeUs: 1_000_000, stepUs: 10 });
    expect(custom.timeUsAt(0)).toBeGreaterThanOrEqual(1_000_000);
    expect(custom.timeUsAt(5)).toBeLessThan(1_000_060);
    expect(custom.indexAtOrAfter(0)).toBe(0);
  });

  it('the event metadata matches the event', () => {
    for (let i = 0; i < N; i += 13) {
      const e = events[i];
      const p = parsed[i];
      expect([e.did, e.timeUs, e.kind, e.collection, e.operation]).toEqual([
        p.did,
        p.time_us,
        p.kind,
        p.commit?.collection ?? null,
        p.commit?.operation ?? null,
      ]);
    }
  });
});

describe('the data contract', () => {
  it('every event decodes and normalises; rows match the event kinds', () => {
    const rows = { posts: 0, tombstones: 0, accounts: 0, identities: 0 };
    for (const e of events) {
      const decoded = decodeEvent(e.json);
      if (!decoded.ok) throw new Error(`${decoded.reason}: ${decoded.detail} in ${e.json}`);
      const r = toRows(decoded.event);
      if (!r.ok) throw new Error(`${r.reason}: ${r.detail} in ${e.json}`);
      for (const row of r.rows) rows[row.table]++;
      for (const row of r.rows)
        if (row.table === 'posts') expect((row.row as PostRow).text).toBe(e.event.commit!.record!.text);
    }
    const count = (t: string): number => events.filter((e) => e.type === t).length;
    expect(rows).toEqual({
      posts: count('post') + count('post-update'),
      tombstones: count('post-update') + count('post-delete'),
      accounts: count('account'),
      identities: count('identity'),
    });
  });

  it('identifiers have the real shapes', () => {
    // Collect the offenders, then assert once: an expect per field of 30k events costs seconds.
    const bad: string[] = [];
    const check = (ok: boolean, what: string): void => void (ok || bad.push(what));
    const tidRe = /^[2-7a-j][2-7a-z]{12}$/;
    for (const e of parsed) {
      check(/^did:plc:[a-z2-7]{24}$/.test(e.did), e.did);
      if (!e.commit) continue;
      check(tidRe.test(e.commit.rev), e.commit.rev);
      if (e.commit.collection === 'app.bsky.feed.post') check(tidRe.test(e.commit.rkey), e.commit.rkey);
      if (e.commit.operation !== 'delete')
        check(/^bafyrei[a-h][a-z2-7]{50}[aeimquy4]$/.test(e.commit.cid ?? ''), `cid ${e.commit.cid}`);
      else check(!('record' in e.commit) && !('cid' in e.commit), 'delete with record or cid');
    }
    expect(bad).toEqual([]);
  });

  it('texts respect the lexicon limits and facets point at the right UTF-8 bytes', () => {
    let facets = 0;
    for (const r of records) {
      const text = r.text as string;
      expect(graphemes(text)).toBeLessThanOrEqual(300);
      const bytes = Buffer.from(text, 'utf8');
      expect(bytes.length).toBeLessThanOrEqual(3000);
      for (const f of r.facets ?? []) {
        facets++;
        const slice = bytes.subarray(f.index.byteStart, f.index.byteEnd).toString('utf8');
        const feature = f.features[0];
        if (feature.$type.endsWith('#mention')) expect(slice).toMatch(/^@[a-z0-9.]+$/);
        else if (feature.$type.endsWith('#tag')) expect(slice).toBe(`#${feature.tag}`);
        else
          expect(feature.uri.startsWith('https://' + slice.replace(/^https:\/\//, '').replace(/\.\.\.$/, ''))).toBe(
            true,
          );
      }
    }
    expect(facets).toBeGreaterThan(500);
  });
});

describe('realism', () => {
  it('mix of kinds: ~30 % posts, a few updates and deletes, identity and account events', () => {
    const share = (t: string): number => events.filter((e) => e.type === t).length / N;
    expect(share('post')).toBeGreaterThan(0.25);
    expect(share('post')).toBeLessThan(0.33);
    expect(share('post-delete') / share('post')).toBeGreaterThan(0.005);
    expect(share('post-delete') / share('post')).toBeLessThan(0.03);
    expect(share('post-update') / share('post')).toBeGreaterThan(0.001);
    expect(share('post-update') / share('post')).toBeLessThan(0.01);
    expect(share('identity')).toBeGreaterThan(0.002);
    expect(share('account')).toBeGreaterThan(0.0005);
    const collections = new Set(events.map((e) => e.collection));
    for (const c of ['app.bsky.feed.like', 'app.bsky.feed.repost', 'app.bsky.graph.follow', 'app.bsky.actor.profile'])
      expect(collections).toContain(c);
  });

  it('account events: deactivated, taken down, suspended, deleted, and reactivations', () => {
    const states = new Set(
      parsed.filter((e) => e.account).map((e) => `${e.account!.active}:${e.account!.status ?? ''}`),
    );
    expect(states).toEqual(
      new Set(['true:', 'false:deactivated', 'false:takendown', 'false:suspended', 'false:deleted']),
    );
  });

  it('posts in many languages and scripts, with emoji, combining marks, every embed kind and empty image posts', () => {
    const langs = new Set(records.flatMap((r) => (r.langs ?? []) as string[]));
    for (const l of ['en', 'ja', 'pt', 'de', 'es', 'ko', 'ru', 'ar', 'he', 'zh', 'hi', 'th'])
      expect(langs).toContain(l);
    const texts = records.map((r) => r.text as string);
    expect(texts.some((t) => /\p{Extended_Pictographic}/u.test(t))).toBe(true);
    expect(texts.some((t) => /\u200d/.test(t))).toBe(true); // ZWJ sequences
    expect(texts.some((t) => /\p{M}/u.test(t))).toBe(true);
    expect(texts.some((t) => /[\u0590-\u05ff\u0600-\u06ff]/.test(t))).toBe(true); // RTL
    const embeds = new Set(records.map((r) => r.embed?.$type));
    for (const k of ['images', 'video', 'external', 'record', 'recordWithMedia'])
      expect(embeds).toContain(`app.bsky.embed.${k}`);
    expect(records.some((r) => r.text === '' && r.embed?.$type === 'app.bsky.embed.images')).toBe(true);
    expect(records.some((r) => r.labels)).toBe(true);
  });

  it('text lengths: mostly short, up to the 300-grapheme limit', () => {
    const lengths = records.map((r) => graphemes(r.text)).sort((a, b) => a - b);
    const median = lengths[Math.floor(lengths.length / 2)];
    expect(median).toBeGreaterThan(20);
    expect(median).toBeLessThan(100);
    expect(lengths[lengths.length - 1]).toBeLessThanOrEqual(300);
    expect(lengths.filter((l) => l >= 280).length / lengths.length).toBeGreaterThan(0.01);
  });

  it('replies and quotes point at earlier posts; updates and deletes touch earlier posts of their author, once', () => {
    const seen = new Map<string, number>();
    const deleted = new Set<string>();
    const updated = new Set<string>();
    let replies = 0;
    let quotes = 0;
    parsed.forEach((e, i) => {
      const c = e.commit;
      if (c?.collection !== 'app.bsky.feed.post') return;
      const uri = `at://${e.did}/app.bsky.feed.post/${c.rkey}`;
      if (c.operation === 'create') {
        const r = c.record as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (r.reply) {
          replies++;
          expect(seen.has(r.reply.parent.uri)).toBe(true);
          expect(seen.has(r.reply.root.uri)).toBe(true);
        }
        const quoted = r.embed?.record?.uri ?? r.embed?.record?.record?.uri;
        if (quoted) {
          quotes++;
          expect(seen.has(quoted)).toBe(true);
        }
        seen.set(uri, i);
      } else {
        expect(seen.has(uri)).toBe(true); // same did and rkey as an earlier create
        expect(deleted.has(uri)).toBe(false); // nothing happens to a post after its delete
        if (c.operation === 'delete') deleted.add(uri);
        else {
          expect(updated.has(uri)).toBe(false);
          updated.add(uri);
        }
      }
    });
    expect(replies / posts.length).toBeGreaterThan(0.3);
    expect(quotes).toBeGreaterThan(100);
    expect(deleted.size).toBeGreaterThan(50);
    expect(updated.size).toBeGreaterThan(10);
  });

  it('authors are Zipf-like: a few post a lot, most post little', () => {
    const perAuthor = new Map<string, number>();
    for (const e of events) if (e.type === 'post') perAuthor.set(e.did, (perAuthor.get(e.did) ?? 0) + 1);
    const counts = [...perAuthor.values()].sort((a, b) => b - a);
    expect(counts[0]).toBeGreaterThan(20);
    expect(counts[0] / posts.length).toBeLessThan(0.05);
    expect(counts.filter((c) => c === 1).length).toBeGreaterThan(counts.length / 3);
  });
});

describe('account events', () => {
  it('leave most posts visible: status changes are spread over the network, not over the small author pool', () => {
    const sample = [...generateEvents({ seed: 7, count: 100_000, authors: 500 })];
    const latestActive = new Map<string, boolean>();
    for (const e of sample) if (e.kind === 'account') latestActive.set(e.did, e.event.account!.active);
    const posts = sample.filter((e) => e.type === 'post');
    const hidden = posts.filter((e) => latestActive.get(e.did) === false).length;
    expect(latestActive.size).toBeGreaterThan(100);
    expect(hidden / posts.length).toBeLessThan(0.05);
  });
});

describe('identity events', () => {
  it('most carry a valid handle, stored as given; some authors change handle once, the new one kept after', () => {
    const identities = events.filter((e) => e.type === 'identity');
    const withHandle = identities.filter((e) => e.event.identity?.handle !== undefined);
    expect(withHandle.length / identities.length).toBeGreaterThan(0.4);
    expect(withHandle.length / identities.length).toBeLessThan(0.8);
    for (const e of withHandle) {
      const d = decodeEvent(e.json);
      const rows = d.ok ? toRows(d.event) : undefined;
      // The normaliser keeps the simulator's handles unchanged (lower-case, valid syntax).
      expect(rows?.ok && rows.rows).toEqual([
        {
          table: 'identities',
          row: { did: e.did, handle: e.event.identity!.handle, indexed_at: e.timeUs, time_us: e.timeUs },
        },
      ]);
    }
    // A small pool so that each author has many identity events: handles per DID, in stream order.
    const sim = new SyntheticFirehose({ seed: 11, authors: 24 });
    const byDid = new Map<string, string[]>();
    for (let i = 0; i < 60_000; i++) {
      if (sim.meta(i).kind !== 'identity') continue;
      const e = sim.event(i);
      const h = e.event.identity?.handle;
      if (h === undefined) continue;
      const seen = byDid.get(e.did) ?? [];
      if (seen[seen.length - 1] !== h) seen.push(h);
      byDid.set(e.did, seen);
    }
    const changed = [...byDid.values()].filter((hs) => hs.length > 1);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(byDid.size / 2);
    // One change each, never back: old handle, then the new one on the same domain.
    for (const hs of changed) {
      expect(hs).toHaveLength(2);
      expect(hs[1].slice(hs[1].indexOf('.'))).toBe(hs[0].slice(hs[0].indexOf('.')));
    }
  });
});
