// Reads the sizes of the WebSocket frames on a Jetstream socket, beside `ws`, to keep the head of the first
// message over the limit. `ws` rejects such a message from its header alone (WS_ERR_UNSUPPORTED_MESSAGE_LENGTH)
// and never shows it; without its time_us the reconnect would ask for it again, forever. With the head, the
// source dead-letters a record of it and resumes after it. Cost: one header parse per frame, no copies.

const CRLFCRLF = [0x0d, 0x0a, 0x0d, 0x0a];

export interface OversizedHead {
  /** Declared payload length of the message. */
  bytes: number;
  /** Its first bytes (up to headBytes): Jetstream writes did, time_us and kind first. */
  head: Buffer;
}

export class FrameSizer {
  oversized: OversizedHead | undefined;
  private handshake = 0; // bytes of CRLFCRLF matched; 4 = in frames
  private header = Buffer.alloc(14);
  private headerLength = 0;
  private payloadLeft = 0;
  private message = 0; // bytes of the data message so far (fragments add up, as in ws)
  private capture: { bytes: number; parts: Buffer[]; got: number } | undefined;
  private onCaptured: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly headBytes = 4096,
  ) {}

  /** Resolves once the head of an oversized message is kept, or after `ms`. */
  whenCaptured(ms: number): Promise<void> {
    if (this.oversized) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.onCaptured = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  feed(chunk: Buffer): void {
    let i = 0;
    // The HTTP 101 answer comes first on the socket; frames start after its blank line.
    while (this.handshake < 4 && i < chunk.length) {
      this.handshake = chunk[i++] === CRLFCRLF[this.handshake] ? this.handshake + 1 : chunk[i - 1] === 0x0d ? 1 : 0;
    }
    while (i < chunk.length && this.oversized === undefined) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - i);
        if (this.capture) this.keep(chunk.subarray(i, i + n));
        this.payloadLeft -= n;
        i += n;
        if (this.payloadLeft === 0 && this.capture) this.finishCapture();
        continue;
      }
      this.header[this.headerLength++] = chunk[i++];
      if (this.headerLength >= 2 && this.headerLength === this.headerSize()) this.startPayload();
    }
  }

  private headerSize(): number {
    const len7 = this.header[1] & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.header[1] & 0x80 ? 4 : 0);
  }

  private startPayload(): void {
    const opcode = this.header[0] & 0x0f;
    const len7 = this.header[1] & 0x7f;
    const length =
      len7 === 126 ? this.header.readUInt16BE(2) : len7 === 127 ? Number(this.header.readBigUInt64BE(2)) : len7;
    const fin = (this.header[0] & 0x80) !== 0;
    this.headerLength = 0;
    this.payloadLeft = length;
    if (opcode < 0x8) {
      this.message += length;
      if (this.message > this.limit) this.capture = { bytes: this.message, parts: [], got: 0 };
      if (fin) this.message = 0;
    }
    if (length === 0 && this.capture) this.finishCapture();
  }

  private keep(part: Buffer): void {
    const c = this.capture!;
    const room = this.headBytes - c.got;
    if (room <= 0) return;
    const piece = part.subarray(0, room);
    c.parts.push(Buffer.from(piece));
    c.got += piece.length;
    if (c.got >= this.headBytes) this.finishCapture();
  }

  private finishCapture(): void {
    const c = this.capture!;
    this.capture = undefined;
    this.oversized = { bytes: c.bytes, head: Buffer.concat(c.parts) };
    this.onCaptured?.();
  }
}

/** time_us (and a v2 cursor) from the head of a message, when they are there. */
export function envelopeOf(head: Buffer): { timeUs?: number; cursor?: number } {
  const text = head.toString('latin1');
  const time = /"time_us":(\d{1,16})[,}]/.exec(text);
  const cursor = /"cursor":(\d{1,16})[,}]/.exec(text);
  return {
    ...(time ? { timeUs: Number(time[1]) } : {}),
    ...(cursor ? { cursor: Number(cursor[1]) } : {}),
  };
}
