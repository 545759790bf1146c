// Bytes as they are (invalid UTF-8 included, from a test or a capture), the oversized-message switch with and
// without maxMessageSizeBytes honoured, and the CLI's paced event clock keeping up with the wall clock.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from '@bsky-explorer/testing';
import WebSocket from 'ws';
import { generateEvents, isMalformedPosition, startJetstreamSim, type JetstreamSim } from '../src';

const sims: JetstreamSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

/** Every frame as bytes, with whether it was binary. */
function record(url: string): Promise<{ frames: { data: Buffer; binary: boolean }[]; close: () => void }> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, { skipUTF8Validation: true, maxPayload: 64 * 1024 * 1024 });
    const frames: { data: Buffer; binary: boolean }[] = [];
    ws.on('message', (data: Buffer, binary) => frames.push({ data, binary }));
    ws.once('error', fail);
    ws.once('open', () => done({ frames, close: () => ws.terminate() }));
  });
}

const BAD = Buffer.concat([
  Buffer.from('{"did":"did:plc:x","time_us":5,"kind":"commit","text":"a'),
  Buffer.from([0xff, 0xc3]),
  Buffer.from('"}'),
]);

describe('bytes', () => {
  it('sends a Buffer event as a text frame, byte for byte (invalid UTF-8 included)', async () => {
    const s = await startJetstreamSim({ source: { kind: 'events', events: ['{"a":1}', BAD] } });
    sims.push(s);
    const c = await record(s.subscribeUrl);
    await waitFor('two frames', () => c.frames.length === 2);
    expect(c.frames.map((f) => f.binary)).toEqual([false, false]);
    expect(c.frames[1].data.equals(BAD)).toBe(true);
    c.close();
  });

  it('replays a capture with invalid UTF-8 without substituting U+FFFD', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-bytes-'));
    try {
      const file = join(dir, 'capture.jsonl');
      const good = '{"did":"did:plc:x","time_us":4,"kind":"commit","text":"ü"}';
      await writeFile(file, Buffer.concat([Buffer.from(good + '\r\n'), BAD, Buffer.from('\n\n')]));
      const s = await startJetstreamSim({ source: { kind: 'replay', file } });
      sims.push(s);
      const c = await record(s.subscribeUrl);
      await waitFor('two frames', () => c.frames.length === 2);
      expect(c.frames[0].data.toString('utf8')).toBe(good);
      expect(c.frames[1].data.equals(BAD)).toBe(true);
      c.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('oversized switch', () => {
  const source = { kind: 'synthetic' as const, seed: 4, count: 30 };
  const all = [...generateEvents(source)].map((e) => e.json);

  it('pads every Nth message (envelope first), and skips it for a subscriber that set maxMessageSizeBytes', async () => {
    const s = await startJetstreamSim({ source, oversized: { every: 10, bytes: 2_000_000 } });
    sims.push(s);
    const plain = await record(s.subscribeUrl);
    const capped = await record(`${s.subscribeUrl}?maxMessageSizeBytes=1000000`);
    await waitFor('both streams', () => plain.frames.length === 30 && capped.frames.length === 27);
    const big = plain.frames.filter((f) => f.data.length > 100_000);
    expect(big.map((f) => f.data.length)).toEqual([2_000_000, 2_000_000, 2_000_000]);
    const original = JSON.parse(all[9]) as Record<string, unknown>;
    const padded = JSON.parse(plain.frames[9].data.toString('utf8')) as Record<string, unknown>;
    expect(padded).toMatchObject({ did: original.did, time_us: original.time_us, kind: original.kind });
    expect(plain.frames[9].data.subarray(0, 60).toString()).toBe(all[9].slice(0, 60));
    expect(capped.frames.map((f) => f.data.toString())).toEqual(all.filter((_, i) => (i + 1) % 10 !== 0));
    plain.close();
    capped.close();
  });

  it('with honorMaxMessageSize false, sends it anyway (a host without the parameter)', async () => {
    const s = await startJetstreamSim({
      source,
      oversized: { every: 10, bytes: 2_000_000 },
      honorMaxMessageSize: false,
    });
    sims.push(s);
    const capped = await record(`${s.subscribeUrl}?maxMessageSizeBytes=1000000`);
    await waitFor('every frame', () => capped.frames.length === 30);
    expect(capped.frames.filter((f) => f.data.length === 2_000_000)).toHaveLength(3);
    capped.close();
  });
});

describe('malformed switch', () => {
  it('breaks every Nth message the same way on every replay: cut short, or a post text over 3000 bytes', async () => {
    const source = { kind: 'synthetic' as const, seed: 5, count: 40 };
    const all = [...generateEvents(source)].map((e) => e.json);
    const s = await startJetstreamSim({ source, malformed: { every: 10 } });
    sims.push(s);
    const a = await record(s.subscribeUrl);
    const b = await record(s.subscribeUrl);
    await waitFor('both streams', () => a.frames.length === 40 && b.frames.length === 40);
    const sent = a.frames.map((f) => f.data.toString());
    expect(b.frames.map((f) => f.data.toString())).toEqual(sent);
    const broken = sent.map((m, i) => (m === all[i] ? -1 : i)).filter((i) => i >= 0);
    expect(broken).toEqual([5, 15, 25, 35]);
    expect(broken.every((i) => isMalformedPosition(i, 10))).toBe(true);
    // Even periods: not JSON, but the head (did, time_us) is the original's.
    expect(() => JSON.parse(sent[5])).toThrow();
    expect(sent[5]).toBe(all[5].slice(0, -3));
    // Odd periods: JSON, with the post text over the limit or a string time_us.
    const v = JSON.parse(sent[15]) as { time_us: unknown; commit?: { record?: { text: string } } };
    if (v.commit?.record) expect(v.commit.record.text).toHaveLength(3001);
    else expect(typeof v.time_us).toBe('string');
    a.close();
    b.close();
  });
});

describe('cli', () => {
  it('with --rate and no --step-us, event time advances at the speed of the wall clock', async () => {
    const root = resolve(__dirname, '../../..');
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tools/jetstream-sim/src/cli.ts', '--synthetic', '--rate', '400', '--port', String(port)],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && done());
        child.once('exit', (code) => fail(new Error(`sim exited with ${code}`)));
      });
      const c = await record(`ws://127.0.0.1:${port}/subscribe`);
      await waitFor('a first event', () => c.frames.length > 0);
      const t0 = Date.now();
      const first = (JSON.parse(c.frames[0].data.toString()) as { time_us: number }).time_us;
      await new Promise((r) => setTimeout(r, 2500));
      const wallUs = (Date.now() - t0) * 1000;
      const last = (JSON.parse(c.frames[c.frames.length - 1].data.toString()) as { time_us: number }).time_us;
      c.close();
      // Before: 400 events/s × 3000 µs = 1.2 s of event time per second. Allow the socket's jitter either way.
      expect((last - first) / wallUs).toBeGreaterThan(0.85);
      expect((last - first) / wallUs).toBeLessThan(1.1);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
