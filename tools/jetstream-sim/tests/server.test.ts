import { waitFor } from '@bsky-explorer/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEvents, startJetstreamSim, type JetstreamSim, type SimEvent } from '../src';
import { connect, settle, upgradeOutcome } from './_util';

const GOLDEN = join(__dirname, '../../../fixtures/jetstream-golden-v1.jsonl');

const sims: JetstreamSim[] = [];
async function sim(options: Parameters<typeof startJetstreamSim>[0]): Promise<JetstreamSim> {
  const s = await startJetstreamSim(options);
  sims.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

const expected = (seed: number, count: number): SimEvent[] => [...generateEvents({ seed, count })];
const timeOf = (m: string): number => (JSON.parse(m) as { time_us: number }).time_us;

describe('synthetic source', () => {
  it('serves every event in time_us order, byte-identical to the generator, then stays open', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 7, count: 500 } });
    expect(s.url).toBe(`ws://127.0.0.1:${s.port}`);
    const c = await connect(s.subscribeUrl);
    await waitFor('500 events', () => c.messages.length === 500);
    expect(c.messages).toEqual(expected(7, 500).map((e) => e.json));
    const times = c.messages.map(timeOf);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    expect(c.closeCode).toBeNull();
    expect(s.stats).toMatchObject({ connectionsAccepted: 1, connectionsOpen: 1, eventsSent: 500 });
    await c.close();
  });

  it('is deterministic: two servers with one seed send the same bytes; another seed differs', async () => {
    const [a, b, other] = await Promise.all([
      sim({ source: { kind: 'synthetic', seed: 99, count: 300 } }),
      sim({ source: { kind: 'synthetic', seed: 99, count: 300 } }),
      sim({ source: { kind: 'synthetic', seed: 100, count: 300 } }),
    ]);
    const clients = await Promise.all([a, b, other].map((s) => connect(s.subscribeUrl)));
    await waitFor('300 events on each', () => clients.every((c) => c.messages.length === 300));
    expect(clients[0].messages).toEqual(clients[1].messages);
    expect(clients[2].messages).not.toEqual(clients[0].messages);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('replays from a cursor inclusively, and from between two events at the next one', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 3, count: 400 } });
    const all = expected(3, 400);
    const at = await connect(`${s.subscribeUrl}?cursor=${all[250].timeUs}`);
    const between = await connect(`${s.subscribeUrl}?cursor=${all[250].timeUs + 1}`);
    await waitFor('the tails', () => at.messages.length === 150 && between.messages.length === 149);
    expect(at.messages).toEqual(all.slice(250).map((e) => e.json));
    expect(between.messages).toEqual(all.slice(251).map((e) => e.json));
    await Promise.all([at.close(), between.close()]);
  });

  it('gives each connection its own position; several clients at once', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 5, count: 200 } });
    const all = expected(5, 200).map((e) => e.json);
    const clients = await Promise.all(
      [0, 50, 100, 150].map((k) => connect(`${s.subscribeUrl}?cursor=${timeOf(all[k])}`)),
    );
    await waitFor('all tails', () => clients.every((c, n) => c.messages.length === 200 - 50 * n));
    clients.forEach((c, n) => expect(c.messages).toEqual(all.slice(50 * n)));
    expect(s.stats.connectionsAccepted).toBe(4);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('with a rate, a subscriber without cursor starts live, one with a cursor catches up', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 11, rate: 200 } });
    const fromStart = await connect(`${s.subscribeUrl}?cursor=1`);
    await waitFor('20 paced events', () => fromStart.messages.length >= 20);
    const live = await connect(s.subscribeUrl);
    await waitFor('live events', () => live.messages.length >= 3);
    const all = expected(11, 20);
    expect(fromStart.messages.slice(0, 20)).toEqual(all.map((e) => e.json));
    // The firehose was at ≥ 20 events when the live client came: it never sees the first 20.
    expect(timeOf(live.messages[0])).toBeGreaterThan(all[19].timeUs);
    await Promise.all([fromStart.close(), live.close()]);
  });

  it('stops generating for a client that does not read (bounded buffer), then goes on without a gap', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 13 }, highWaterMarkBytes: 64 * 1024 });
    const c = await connect(s.subscribeUrl);
    await waitFor('first events', () => c.messages.length > 100);
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const plateau = await settle(() => s.stats.eventsSent, 300);
    // Endless source, yet the server stopped: what is in flight is bounded by socket buffers + high-water mark.
    expect(plateau).toBeLessThan(100_000);
    socket.resume();
    await waitFor('events after resuming', () => c.messages.length >= plateau + 1000);
    const head = expected(13, plateau + 1000).map((e) => e.json);
    expect(c.messages.slice(0, plateau + 1000)).toEqual(head);
    await c.close();
  });
});

describe('filters', () => {
  const all = expected(21, 3000);
  const run = async (query: string): Promise<string[]> => {
    const s = await sim({ source: { kind: 'synthetic', seed: 21, count: 3000 } });
    const c = await connect(`${s.subscribeUrl}?${query}`);
    // The source is finite: once the server has sent what passes, nothing more comes.
    await waitFor('first event', () => s.stats.eventsSent > 0);
    await settle(() => c.messages.length, 200);
    await c.close();
    return c.messages;
  };

  it('wantedCollections exact: only posts, plus identity and account events', async () => {
    const got = await run('wantedCollections=app.bsky.feed.post');
    const want = all.filter((e) => e.kind !== 'commit' || e.collection === 'app.bsky.feed.post').map((e) => e.json);
    expect(got).toEqual(want);
    const kinds = new Set(all.filter((e) => e.json && want.includes(e.json)).map((e) => e.type));
    expect(kinds).toEqual(new Set(['post', 'post-update', 'post-delete', 'identity', 'account']));
  });

  it('wantedCollections repeated and prefix.*', async () => {
    const got = await run('wantedCollections=app.bsky.graph.*&wantedCollections=app.bsky.feed.repost');
    const ok = (c: string | null): boolean => c === 'app.bsky.feed.repost' || (c ?? '').startsWith('app.bsky.graph.');
    expect(got).toEqual(all.filter((e) => e.kind !== 'commit' || ok(e.collection)).map((e) => e.json));
    expect(got.some((m) => m.includes('"collection":"app.bsky.graph.follow"'))).toBe(true);
  });

  it('wantedDids applies to every kind', async () => {
    const dids = [...new Set(all.map((e) => e.did))].slice(0, 3);
    const got = await run(dids.map((d) => `wantedDids=${d}`).join('&'));
    const want = all.filter((e) => dids.includes(e.did)).map((e) => e.json);
    expect(want.length).toBeGreaterThan(3);
    expect(got).toEqual(want);
  });

  it('maxMessageSizeBytes drops larger messages', async () => {
    const got = await run('maxMessageSizeBytes=500');
    const want = all.filter((e) => Buffer.byteLength(e.json) <= 500).map((e) => e.json);
    expect(want.length).toBeLessThan(all.length);
    expect(got).toEqual(want);
  });

  it('answers 400 to a bad parameter and 404 to another path', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 1, count: 10 } });
    expect(await upgradeOutcome(`${s.subscribeUrl}?wantedCollections=not%20an%20nsid`)).toEqual({ status: 400 });
    expect(await upgradeOutcome(`${s.subscribeUrl}?cursor=abc`)).toEqual({ status: 400 });
    expect(await upgradeOutcome(`${s.url}/firehose`)).toEqual({ status: 404 });
  });
});

describe('faults', () => {
  it('dropEveryN cuts each connection abruptly after N events', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 2 }, dropEveryN: 25 });
    const c = await connect(s.subscribeUrl);
    await waitFor('the cut', () => c.closeCode !== null);
    expect(c.closeCode).toBe(1006); // no close frame
    expect(c.messages).toEqual(expected(2, 25).map((e) => e.json));
    // Reconnecting from the last cursor resumes there (inclusive), and is cut again after 25.
    const again = await connect(`${s.subscribeUrl}?cursor=${timeOf(c.messages[24])}`);
    await waitFor('the second cut', () => again.closeCode !== null);
    expect(again.messages).toEqual(
      expected(2, 49)
        .slice(24)
        .map((e) => e.json),
    );
    expect(s.stats).toMatchObject({
      connectionsAccepted: 2,
      connectionsDropped: 2,
      eventsSent: 50,
      connectionsOpen: 0,
    });
  });

  it('dropAfter(n) switches the cut on and off at run time', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 2, count: 100 } });
    s.dropAfter(10);
    const cut = await connect(s.subscribeUrl);
    await waitFor('the cut', () => cut.closeCode !== null);
    expect(cut.messages).toHaveLength(10);
    s.dropAfter(null);
    const whole = await connect(s.subscribeUrl);
    await waitFor('all events', () => whole.messages.length === 100);
    expect(whole.closeCode).toBeNull();
    await whole.close();
  });

  it('goSilent keeps the socket open but sends nothing, not even pongs; resume goes on where it was', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 4, count: 1000 } });
    s.goSilent();
    const c = await connect(s.subscribeUrl);
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    c.ws.ping();
    // An absence can only be observed over some time: nothing arrives while the client waits for its pong.
    await expect(waitFor('anything', () => pongs > 0 || c.messages.length > 0, 300)).rejects.toThrow('timed out');
    expect(c.closeCode).toBeNull();
    expect(s.stats.connectionsOpen).toBe(1);
    s.resume();
    await waitFor('all events after resume', () => c.messages.length === 1000);
    expect(c.messages).toEqual(expected(4, 1000).map((e) => e.json));
    c.ws.ping();
    await waitFor('a pong', () => pongs > 0);
    await c.close();
  });

  it('refuses upgrades with 503 until told otherwise, or for a while', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 1, count: 5 }, refuse: true });
    expect(await upgradeOutcome(s.subscribeUrl)).toEqual({ status: 503 });
    s.acceptConnections();
    expect(await upgradeOutcome(s.subscribeUrl)).toEqual({ opened: true });
    s.refuseConnections(200);
    expect(await upgradeOutcome(s.subscribeUrl)).toEqual({ status: 503 });
    // The refusal ends by itself: retry until an upgrade succeeds; every failure meanwhile is a 503.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const outcome = await upgradeOutcome(s.subscribeUrl);
      if (outcome.opened) break;
      expect(outcome).toEqual({ status: 503 });
      if (Date.now() > deadline) throw new Error('refusal never ended');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(s.stats.connectionsRefused).toBeGreaterThanOrEqual(2);
    expect(s.stats.connectionsAccepted).toBe(2);
  });

  it('can refuse by resetting the socket instead', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 1, count: 5 }, refuse: true, refuseMode: 'destroy' });
    const outcome = await upgradeOutcome(s.subscribeUrl);
    expect(outcome.error).toBeDefined();
    expect(s.stats.connectionsRefused).toBe(1);
  });

  it('closeAll closes every connection with 1001; abrupt closes without a frame', async () => {
    const s = await sim({ source: { kind: 'synthetic', seed: 1, count: 5 } });
    const a = await connect(s.subscribeUrl);
    const b = await connect(s.subscribeUrl);
    s.closeAll();
    await waitFor('both closed', () => a.closeCode !== null && b.closeCode !== null);
    expect([a.closeCode, b.closeCode]).toEqual([1001, 1001]);
    const c = await connect(s.subscribeUrl);
    s.closeAll({ abrupt: true });
    await waitFor('closed', () => c.closeCode !== null);
    expect(c.closeCode).toBe(1006);
  });
});

describe('replay and in-memory sources', () => {
  const lines = readFileSync(GOLDEN, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

  it('replays a capture in time_us order, each line byte for byte', async () => {
    const s = await sim({ source: { kind: 'replay', file: GOLDEN } });
    const c = await connect(s.subscribeUrl);
    await waitFor('every line', () => c.messages.length === lines.length);
    expect([...c.messages].sort()).toEqual([...lines].sort());
    const times = c.messages.map(timeOf);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(s.firehose).toBeUndefined();
    await c.close();
  });

  it('filters a capture and replays it from a cursor', async () => {
    const s = await sim({ source: { kind: 'replay', file: GOLDEN } });
    const posts = await connect(`${s.subscribeUrl}?wantedCollections=app.bsky.feed.post`);
    await waitFor('post + identity + account', () => posts.messages.length === 3);
    expect(posts.json().map((e) => e.kind)).toEqual(['commit', 'identity', 'account']);
    const sorted = lines.map(timeOf).sort((x, y) => x - y);
    const tail = await connect(`${s.subscribeUrl}?cursor=${sorted[6]}`);
    await waitFor('the tail', () => tail.messages.length === 4);
    expect(tail.messages.map(timeOf)).toEqual(sorted.slice(6));
    await Promise.all([posts.close(), tail.close()]);
  });

  it('sends injected raw strings as they are, in array order, whatever the filter', async () => {
    const good = { did: 'did:plc:abc', time_us: 20, kind: 'commit', commit: { collection: 'app.bsky.feed.like' } };
    const events = [
      '{"did":"did:plc:x","time_us":10,"kind":"identity","identity":{}}',
      'not json {',
      good,
      '{"time_us":"5"}',
      '\u00e9\u0301🦋',
    ];
    const s = await sim({ source: { kind: 'events', events } });
    const c = await connect(`${s.subscribeUrl}?wantedCollections=app.bsky.feed.post`);
    await waitFor('four messages', () => c.messages.length === 4);
    expect(c.messages).toEqual([events[0], 'not json {', '{"time_us":"5"}', '\u00e9\u0301🦋']);
    const all = await connect(`${s.subscribeUrl}?cursor=20`);
    await waitFor('from the cursor on', () => all.messages.length === 3);
    expect(all.messages).toEqual([JSON.stringify(good), '{"time_us":"5"}', '\u00e9\u0301🦋']);
    await Promise.all([c.close(), all.close()]);
  });
});
