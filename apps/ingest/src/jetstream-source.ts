// Step 1 of ingest: the Jetstream socket as an async iterable of message batches (as atproto's Subscription).
// Every (re)connection re-reads the resume point from the consumer, so it always starts from what is persisted;
// reconnects use jittered capped backoff, a silent socket is replaced, hosts fail over in turn.
// Backpressure: messages wait in a bounded queue; when the consumer stops pulling, the queue fills and the
// socket is paused (TCP stops being read, Jetstream holds the data). The source owns no other policy.
import { isIP, connect as netConnect, type NetConnectOpts } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { WebSocket } from 'ws';
import { backoffDelay, sleep } from './backoff';
import { envelopeOf, FrameSizer, type OversizedHead } from './frame-sizer';
import type { Logger } from './logger';

export interface ResumePoint {
  /** time_us of the last persisted event (v1 cursor). */
  timeUs: number;
  /** Host that delivered it and its v2 per-host `cursor`, if it sent one. */
  url?: string;
  cursor?: number;
}

export type ReconnectReason = 'close' | 'error' | 'silent' | 'refused' | 'oversized';

/** A message over maxMessageBytes that the host sent anyway: not delivered, described. */
export interface OversizedMessage extends OversizedHead {
  url: string;
  /** From its head, when there: where to resume after it (v1 time_us, v2 per-host cursor). */
  timeUs?: number;
  cursor?: number;
}

/** What one pull yields: the messages received since the last pull, in order, from one host. */
export interface SourceBatch {
  url: string;
  messages: Buffer[];
  /** Set on the last batch of a connection that an oversized message ended. */
  oversized?: OversizedMessage;
}

export interface JetstreamSourceOptions {
  urls: string[];
  wantedCollections?: string[];
  rewindUs: number;
  silenceTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Largest message wanted: sent as maxMessageSizeBytes, and the socket's own limit. */
  maxMessageBytes: number;
  /** Called before every connection attempt; throwing counts as a failed attempt (e.g. Redis down). */
  resumePoint: () => Promise<ResumePoint | undefined>;
  onReconnect?: (reason: ReconnectReason, url: string) => void;
  log: Logger;
}

/** Messages queued before the socket is paused. */
const QUEUE_HIGH_WATER = 4096;
/** The same resume point this many times in a row: the source is stuck (readiness says so). */
const STUCK_AFTER = 3;

export class JetstreamSource implements AsyncIterable<SourceBatch> {
  connected = false;
  /** Date.now() of the last message, of the last successful open. */
  lastMessageAt = 0;
  lastOpenAt = 0;
  currentUrl: string | undefined;
  /** Connections in a row that started from the same resume point, and how the last one ended. */
  readonly stall = { count: 0, cursor: '', reason: '' as ReconnectReason | '' };
  private connection: Connection | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  /** After an oversized message: the next connection to that host starts after it. */
  private skipPast: { url: string; timeUs: number; cursor?: number } | undefined;

  constructor(private readonly opts: JetstreamSourceOptions) {}

  /** Ends the iteration: the current socket closes, what it queued is still yielded. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.connection?.end('close');
  }

  /** Drop the current socket; the next connection starts from the persisted resume point again. */
  reconnect(reason: ReconnectReason = 'error'): void {
    this.connection?.end(reason, true);
  }

  get paused(): boolean {
    return this.connection?.paused ?? false;
  }

  /**
   * Why the source makes no progress, if it does not: the same resume point STUCK_AFTER connections in a row
   * (e.g. a message that ends every socket, or cuts inside the rewind window). A socket that has stayed open
   * longer than the silence timeout is delivering, whatever happened before.
   */
  get stuck(): string | undefined {
    if (this.stall.count < STUCK_AFTER) return undefined;
    if (this.connected && Date.now() - this.lastOpenAt > this.opts.silenceTimeoutMs) return undefined;
    return `no progress: ${this.stall.count} connections in a row resumed from cursor ${this.stall.cursor || '(live)'} (last ended: ${this.stall.reason})`;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceBatch> {
    const { urls, log } = this.opts;
    let index = 0;
    let attempt = 0;
    let lastCursor: string | undefined;
    while (!this.stopped) {
      const url = urls[index % urls.length];
      let reason: ReconnectReason = 'error';
      let received = false;
      let opened = false;
      let cursor = '';
      try {
        // The consumer has handled every message yielded so far: the resume point covers them.
        const resume = await this.opts.resumePoint();
        if (this.stopped) break;
        const target = this.target(url, resume);
        cursor = target.searchParams.get('cursor') ?? '';
        const c = new Connection(target, url, this.opts, this);
        this.connection = c;
        for (;;) {
          const batch = await c.next();
          if (!batch) break;
          received = true;
          yield batch;
        }
        reason = c.reason;
        opened = c.opened;
        if (c.oversized) this.skipOversized(c.oversized);
      } catch (err) {
        log.warn({ err, url }, 'could not prepare a Jetstream connection');
      } finally {
        this.connection = undefined;
      }
      if (this.stopped) break;
      // Only sockets that opened count: a host that refuses is "no connection" (READY_MAX_SILENCE_MS), and
      // failing over across refusing hosts is not a stall.
      if (opened) {
        this.stall.count = cursor === lastCursor ? this.stall.count + 1 : 1;
        this.stall.cursor = cursor;
        this.stall.reason = reason;
        lastCursor = cursor;
      }
      this.opts.onReconnect?.(reason, url);
      // A healthy socket that was closed (or cut by an oversized message) is resumed on the same host (its v2
      // cursor stays valid); anything else fails over to the next host.
      const healthy = received && (reason === 'close' || reason === 'oversized');
      if (!healthy) index++;
      attempt = received ? 0 : attempt + 1;
      const delay = reason === 'oversized' ? 0 : backoffDelay(attempt, this.opts.backoffMinMs, this.opts.backoffMaxMs);
      log.warn({ reason, url, nextUrl: urls[index % urls.length], delayMs: delay }, 'Jetstream reconnecting');
      await sleep(delay, this.abort.signal);
    }
  }

  /** From now on, resume that host after the oversized message (the consumer dead-letters its record). */
  private skipOversized(o: OversizedMessage): void {
    if (o.timeUs !== undefined) this.skipPast = { url: o.url, timeUs: o.timeUs, cursor: o.cursor };
  }

  private target(url: string, resume: ResumePoint | undefined): URL {
    const target = new URL(url);
    for (const c of this.opts.wantedCollections ?? []) target.searchParams.append('wantedCollections', c);
    // Jetstream drops larger messages itself (counted on its side); a host without the parameter is handled by
    // the frame sizer.
    target.searchParams.set('maxMessageSizeBytes', String(this.opts.maxMessageBytes));
    let cursor: number | undefined;
    // The v2 cursor is exact but only meaningful on the host that issued it; time_us works everywhere.
    const v2 = resume?.cursor !== undefined && resume.url === url;
    if (resume) cursor = v2 ? resume.cursor : Math.max(0, resume.timeUs - this.opts.rewindUs);
    // Past an oversized message of this host: everything before it on this host was received and persisted (the
    // resume point is read after the consumer took every message), so starting after it loses nothing.
    const skip = this.skipPast;
    if (skip && skip.url === url) {
      const past = v2 && skip.cursor !== undefined ? skip.cursor : skip.timeUs;
      if (cursor === undefined || cursor <= past) cursor = past + 1;
    }
    if (cursor !== undefined) target.searchParams.set('cursor', String(cursor));
    return target;
  }
}

/** One socket: a queue of its messages, silence detection, and its end (with the reason). */
class Connection {
  reason: ReconnectReason = 'close';
  opened = false;
  oversized: OversizedMessage | undefined;
  paused = false;
  private oversizedDelivered = false;
  private queue: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly ws: WebSocket;
  private readonly sizer: FrameSizer;
  private readonly silence: NodeJS.Timeout;

  constructor(
    target: URL,
    private readonly url: string,
    private readonly opts: JetstreamSourceOptions,
    private readonly source: JetstreamSource,
  ) {
    const { log } = opts;
    const sizer = new FrameSizer(opts.maxMessageBytes);
    this.sizer = sizer;
    // skipUTF8Validation: the decoder checks UTF-8 itself and dead-letters a bad message with its reason; ws would
    // instead close the socket (1007), and the resume would fetch the same message again, forever.
    const ws = new WebSocket(target, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      maxPayload: opts.maxMessageBytes,
      handshakeTimeout: opts.silenceTimeoutMs,
      // ws's own connectors, plus a listener that lets the sizer see the bytes too.
      createConnection: ((options: ConnectionOptions & { host?: string }) => {
        const socket =
          target.protocol === 'wss:'
            ? tlsConnect({
                ...options,
                path: undefined,
                servername: options.servername ?? (isIP(options.host ?? '') ? '' : options.host),
              })
            : netConnect(options as NetConnectOpts);
        socket.on('data', (chunk: Buffer) => sizer.feed(chunk));
        return socket;
      }) as unknown as typeof netConnect,
    });
    this.ws = ws;
    source.currentUrl = url;
    // One periodic check instead of re-arming a timer per message (tens of thousands per second).
    const tick = Math.max(50, Math.floor(opts.silenceTimeoutMs / 4));
    this.silence = setInterval(() => {
      // Time spent waiting for the consumer is not silence of the server.
      if (!source.connected || this.paused || this.queue.length > 0) return;
      if (Date.now() - Math.max(source.lastMessageAt, source.lastOpenAt) > opts.silenceTimeoutMs) this.end('silent');
    }, tick);
    ws.on('open', () => {
      this.opened = true;
      source.connected = true;
      source.lastOpenAt = Date.now();
      log.info(
        { url: target.origin + target.pathname, cursor: target.searchParams.get('cursor') },
        'Jetstream connected',
      );
    });
    ws.on('message', (data: Buffer) => {
      source.lastMessageAt = Date.now();
      this.queue.push(data);
      if (this.queue.length >= QUEUE_HIGH_WATER && !this.paused) {
        this.paused = true;
        ws.pause();
      }
      this.wake?.();
    });
    ws.on('unexpected-response', (_req, res) => {
      log.warn({ url, status: res.statusCode }, 'Jetstream refused the upgrade');
      this.end('refused');
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return void this.endOversized();
      const refused = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH';
      if (!this.ended) log.warn({ err: { message: err.message, code: err.code }, url }, 'Jetstream socket error');
      this.end(refused ? 'refused' : 'error');
    });
    ws.on('close', () => this.end('close'));
  }

  /** The queued messages, waiting for some if there are none; undefined once the socket ended and all were taken. */
  async next(): Promise<SourceBatch | undefined> {
    while (this.queue.length === 0 && !this.ended) await new Promise<void>((r) => (this.wake = r));
    this.wake = undefined;
    if (this.queue.length === 0) return this.oversizedBatch();
    const messages = this.queue;
    this.queue = [];
    if (this.paused && !this.ended) {
      this.paused = false;
      this.ws.resume();
    }
    return { url: this.url, messages };
  }

  /** Ends the socket. `discard`: drop what is queued (it comes again from the persisted cursor). */
  end(reason: ReconnectReason, discard = false): void {
    if (discard) this.queue = [];
    if (this.ended) return;
    this.ended = true;
    this.reason = reason;
    clearInterval(this.silence);
    this.source.connected = false;
    this.ws.removeAllListeners('message');
    this.ws.on('error', () => undefined);
    this.ws.terminate();
    this.wake?.();
  }

  private oversizedBatch(): SourceBatch | undefined {
    if (!this.oversized || this.oversizedDelivered) return undefined;
    this.oversizedDelivered = true;
    return { url: this.url, messages: [], oversized: this.oversized };
  }

  /** ws refused a message from its header: keep its head (a little more of the socket), then end. */
  private async endOversized(): Promise<void> {
    if (this.ended) return;
    this.ws.removeAllListeners('close');
    this.ws.on('close', () => undefined);
    await this.sizer.whenCaptured(2000);
    const o = this.sizer.oversized;
    if (o) {
      this.oversized = { ...o, url: this.url, ...envelopeOf(o.head) };
      this.opts.log.warn(
        { url: this.url, bytes: o.bytes, timeUs: this.oversized.timeUs, limit: this.opts.maxMessageBytes },
        'Jetstream sent a message over maxMessageSizeBytes; skipping past it',
      );
    }
    this.end('oversized');
  }
}
