// The event source of the data phase. TEMPORARY stand-in until tools/jetstream-sim exports generateEvents.
import type { JetstreamEvent } from '@bsky-explorer/schema';

export interface SyntheticOptions {
  seed: number;
  /** Post creates to produce (other events come in their realistic share around them). */
  posts: number;
  startUs: number;
  endUs: number;
}

const WORDS = 'the a to and of you it is that in this for my on just be so not but with have what like was are me all at do your about really today people think time new good love know thread birds sky weather coffee morning night weekend music game book movie friends honestly literally finally anyway vibes update news election policy science research source deploy server typescript release photo drawing commission sketch'.split(' ');

export function* syntheticEvents(o: SyntheticOptions): Generator<JetstreamEvent> {
  let state = o.seed >>> 0 || 1;
  const rnd = () => {
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  const step = (o.endUs - o.startUs) / (o.posts * 1.05);
  let t = o.startUs;
  const dids = Array.from({ length: 50_000 }, (_, i) => `did:plc:${i.toString(36).padStart(24, 'a')}`);
  const recent: { did: string; rkey: string }[] = [];
  for (let i = 0; i < o.posts; ) {
    t += step;
    const time_us = Math.floor(t);
    const did = dids[Math.floor(rnd() ** 2 * dids.length)];
    const r = rnd();
    if (r < 0.02 && recent.length) {
      const p = recent[Math.floor(rnd() * recent.length)];
      yield { did: p.did, time_us, kind: 'commit', commit: { rev: `rev${i}`, operation: 'delete', collection: 'app.bsky.feed.post', rkey: p.rkey } };
      continue;
    }
    if (r < 0.025) {
      yield { did, time_us, kind: 'account', account: { did, active: rnd() < 0.5, status: 'deactivated' } };
      continue;
    }
    const n = 3 + Math.floor(rnd() * 20);
    const text = Array.from({ length: n }, () => WORDS[Math.floor(rnd() ** 1.5 * WORDS.length)]).join(' ') + (rnd() < 0.01 ? ' zyzzogeton' + Math.floor(rnd() * 1000) : '');
    const rkey = `3l${(time_us).toString(36)}${i % 10}`;
    recent.push({ did, rkey });
    if (recent.length > 1000) recent.shift();
    i++;
    yield {
      did, time_us, kind: 'commit',
      commit: { rev: `rev${i}`, operation: 'create', collection: 'app.bsky.feed.post', rkey, cid: `bafyrei${i}`,
        record: { $type: 'app.bsky.feed.post', text, createdAt: new Date(time_us / 1000).toISOString(), langs: ['en'] } },
    };
  }
}
