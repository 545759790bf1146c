import { envelopeOf, FrameSizer } from './frame-sizer';

/** A server frame (unmasked) as ws writes it. */
function frame(payload: Buffer, opcode = 0x1, fin = true): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, n])
      : n < 65_536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 127]), bigLength(n)]);
  return Buffer.concat([head, payload]);
}
const bigLength = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

describe('FrameSizer', () => {
  const http = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n');
  const big = Buffer.from(`{"did":"did:plc:x","time_us":1234567,"kind":"commit","pad":"${'x'.repeat(200_000)}"}`);
  const stream = Buffer.concat([
    http,
    frame(Buffer.from('{"a":1}')),
    frame(Buffer.alloc(300, 0x61)),
    frame(Buffer.alloc(0), 0x9), // a ping
    frame(big),
  ]);

  it.each([1, 7, 100, 65_536])('keeps the head of the first message over the limit, fed in chunks of %i', (size) => {
    const sizer = new FrameSizer(100_000, 64);
    for (let i = 0; i < stream.length; i += size) sizer.feed(stream.subarray(i, i + size));
    expect(sizer.oversized?.bytes).toBe(big.length);
    expect(sizer.oversized?.head.toString()).toBe(big.subarray(0, 64).toString());
    expect(envelopeOf(sizer.oversized!.head)).toEqual({ timeUs: 1234567 });
  });

  it('sees nothing while every message is within the limit', () => {
    const sizer = new FrameSizer(1_000_000);
    sizer.feed(stream);
    expect(sizer.oversized).toBeUndefined();
  });

  it('adds up the fragments of one message, as ws does', async () => {
    const sizer = new FrameSizer(500, 16);
    const captured = sizer.whenCaptured(1000);
    sizer.feed(Buffer.concat([http, frame(Buffer.alloc(300, 0x62), 0x1, false), frame(Buffer.alloc(300, 0x63), 0x0)]));
    await captured;
    expect(sizer.oversized).toEqual({ bytes: 600, head: Buffer.alloc(16, 0x63) });
  });
});
