// The Jetstream-compatible WebSocket server: one Connection per subscriber, each with its own position in the
// source, its own filter, backpressure on the socket's buffer, and the fault switches tests need.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { openSource, SyntheticSource, type EventSource, type SourceSpec } from './sources';
import { matches, parseSubscribeParams, SubscribeParamsError, type SubscribeParams } from './subscribe-params';
import type { SyntheticFirehose } from './synthetic/firehose';

export interface JetstreamSimOptions {
  source: SourceSpec;
  /** 0 (default) → a free port chosen by the OS. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Abruptly close every connection after it has sent this many events (see dropAfter). */
  dropEveryN?: number;
  /** Start refusing upgrades (see refuseConnections). */
  refuse?: boolean;
  /** How a refused upgrade fails: an HTTP 503 answer (default) or a reset socket. */
  refuseMode?: 'http-503' | 'destroy';
  /** Stop generating for a connection while its socket buffers more than this. Default 1 MiB. */
  highWaterMarkBytes?: number;
  /** One line per notable event (listening, refused…); silent by default. */
  log?: (line: string) => void;
  /**
   * Fault switch: every `every`-th position of the source (1-based: positions every-1, 2·every-1, …) is sent
   * padded to `bytes` bytes (its envelope first, as Jetstream writes it), the same message on every replay.
   */
  oversized?: { every: number; bytes: number };
  /**
   * Fault switch: every `every`-th position of the source (positions every/2, every/2 + every, …; see
   * isMalformedPosition) is sent broken, the same bytes on every replay: alternately cut short (not JSON) and
   * with a post's text over the lexicon's 3000-byte limit (a non-post gets a string time_us: a wrong type).
   */
  malformed?: { every: number };
  /**
   * false → ignore a subscriber's maxMessageSizeBytes, as a host that does not implement it would (with
   * `oversized`, the way to test a client's own limit). Default true.
   */
  honorMaxMessageSize?: boolean;
}

export interface SimStats {
  connectionsAccepted: number;
  connectionsRefused: number;
  connectionsOpen: number;
  /** Connections cut by dropAfter / dropEveryN. */
  connectionsDropped: number;
  eventsSent: number;
}

export interface JetstreamSim extends AsyncDisposable {
  /** ws://host:port (no path). */
  readonly url: string;
  /** ws://host:port/subscribe */
  readonly subscribeUrl: string;
  readonly port: number;
  /** A snapshot of the counters. */
  readonly stats: SimStats;
  /** The synthetic generator behind the server (to compute expected results); undefined for other sources. */
  readonly firehose: SyntheticFirehose | undefined;
  /** Every connection is cut abruptly (no close frame) once it has sent n events; null → never. */
  dropAfter(n: number | null): void;
  /** Stop sending on every connection (sockets stay open, pings go unanswered). */
  goSilent(): void;
  resume(): void;
  /** Refuse WebSocket upgrades for `ms` milliseconds, or until acceptConnections() when ms is omitted. */
  refuseConnections(ms?: number): void;
  acceptConnections(): void;
  /** Close every open connection: with a 1001 close frame, or abruptly (socket destroyed). */
  closeAll(options?: { abrupt?: boolean }): void;
  stop(): Promise<void>;
}

/** When positions become available: all at once, or `rate` per second from `base` at wall time `t0`. */
interface Pacer {
  limit(nowMs: number): number;
  dueAt(position: number): number;
}

const UNPACED: Pacer = { limit: () => Infinity, dueAt: () => 0 };

function ratePacer(rate: number, base: number, t0: number): Pacer {
  return {
    limit: (now) => base + Math.floor(((now - t0) * rate) / 1000),
    dueAt: (position) => t0 + ((position - base + 1) * 1000) / rate,
  };
}

/** Jetstream sends text frames, also for bytes given as a Buffer (ws would send those as binary). */
const TEXT = { binary: false } as const;

/** Events examined per turn of the event loop before yielding to other connections. */
const SCAN_PER_TURN = 4096;

export async function startJetstreamSim(options: JetstreamSimOptions): Promise<JetstreamSim> {
  const source = await openSource(options.source);
  const rate = options.source.rate ?? 0;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError('rate must be a finite number ≥ 0');
  const broken = options.malformed ? withMalformed(source, options.malformed.every) : source;
  const sim = new Simulator(options.oversized ? withOversized(broken, options.oversized) : broken, rate, options);
  await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}

class Simulator implements JetstreamSim {
  readonly firehose: SyntheticFirehose | undefined;
  silent = false;
  dropLimit: number | null;
  readonly highWaterMark: number;
  readonly honorMaxMessageSize: boolean;
  private refuseUntil = 0;
  private readonly refuseMode: 'http-503' | 'destroy';
  private readonly connections = new Set<Connection>();
  private readonly counters = { connectionsAccepted: 0, connectionsRefused: 0, connectionsDropped: 0, eventsSent: 0 };
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  /** For a synthetic source with a rate, one clock for all: "live" is where the firehose is now. */
  private readonly livePacer: Pacer | undefined;
  private host = '127.0.0.1';
  private boundPort = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly source: EventSource,
    readonly rate: number,
    private readonly options: JetstreamSimOptions,
  ) {
    this.firehose = source instanceof SyntheticSource ? source.firehose : undefined;
    this.dropLimit = options.dropEveryN ?? null;
    this.highWaterMark = options.highWaterMarkBytes ?? 1024 * 1024;
    this.honorMaxMessageSize = options.honorMaxMessageSize ?? true;
    this.refuseMode = options.refuseMode ?? 'http-503';
    if (options.refuse) this.refuseUntil = Infinity;
    if (source instanceof SyntheticSource && rate > 0) this.livePacer = ratePacer(rate, 0, Date.now());
    // autoPong off: a silent simulator must not answer pings either (see Connection).
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, autoPong: false });
    this.http = createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/subscribe') ? 426 : 404, { 'content-type': 'text/plain' });
      res.end('jetstream-sim: connect a WebSocket to /subscribe\n');
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.host = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    this.boundPort = (this.http.address() as AddressInfo).port;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `ws://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  get subscribeUrl(): string {
    return `${this.url}/subscribe`;
  }

  get stats(): SimStats {
    return { ...this.counters, connectionsOpen: this.connections.size };
  }

  countSent(): void {
    this.counters.eventsSent++;
  }

  countDropped(): void {
    this.counters.connectionsDropped++;
  }

  dropAfter(n: number | null): void {
    this.dropLimit = n;
    for (const c of this.connections) c.schedule();
  }

  goSilent(): void {
    this.silent = true;
  }

  resume(): void {
    this.silent = false;
    for (const c of this.connections) c.schedule();
  }

  refuseConnections(ms?: number): void {
    this.refuseUntil = ms === undefined ? Infinity : Date.now() + ms;
  }

  acceptConnections(): void {
    this.refuseUntil = 0;
  }

  closeAll(options?: { abrupt?: boolean }): void {
    for (const c of this.connections) c.close(options?.abrupt ?? false);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.refuseUntil = Infinity;
      for (const c of this.connections) c.close(true);
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        this.http.close(() => resolve());
        this.http.closeAllConnections();
      });
    })();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  forget(c: Connection): void {
    this.connections.delete(c);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (Date.now() < this.refuseUntil) {
      this.counters.connectionsRefused++;
      this.options.log?.('refused a connection');
      if (this.refuseMode === 'destroy') socket.destroy();
      else reply(socket, 503, 'Service Unavailable', 'refusing connections\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/subscribe') {
      reply(socket, 404, 'Not Found', 'only /subscribe is served\n');
      return;
    }
    let params: SubscribeParams;
    try {
      params = parseSubscribeParams(url.searchParams);
    } catch (err) {
      if (!(err instanceof SubscribeParamsError)) throw err;
      reply(socket, 400, 'Bad Request', `${err.message}\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.counters.connectionsAccepted++;
      const c = new Connection(this, ws, socket, params, ...this.startOf(params));
      this.connections.add(c);
      c.schedule();
    });
  }

  /** Where a new subscriber starts, and the clock that paces it. */
  private startOf(params: SubscribeParams): [number, Pacer] {
    const now = Date.now();
    if (this.livePacer) {
      const live = this.livePacer.limit(now);
      const from = params.cursor === undefined ? live : Math.min(this.source.positionFor(params.cursor), live);
      return [from, this.livePacer];
    }
    // No global clock (rate 0, or a recorded source): without a cursor a subscriber starts at the beginning.
    const from = params.cursor === undefined ? 0 : this.source.positionFor(params.cursor);
    return [from, this.rate > 0 ? ratePacer(this.rate, from, now) : UNPACED];
  }
}

/** The source with every `every`-th message padded to `bytes` (an extra field at the end keeps it JSON). */
function withOversized(source: EventSource, o: { every: number; bytes: number }): EventSource {
  if (!Number.isSafeInteger(o.every) || o.every < 1) throw new RangeError('oversized.every must be an integer ≥ 1');
  let cached: { position: number; raw: Buffer } | undefined;
  const pad = (raw: string | Buffer): Buffer => {
    const body = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    const head = body[body.length - 1] === 0x7d ? body.subarray(0, -1) : body;
    const prefix = Buffer.concat([head, Buffer.from(',"padding":"')]);
    const fill = Math.max(0, o.bytes - prefix.length - 2);
    return Buffer.concat([prefix, Buffer.alloc(fill, 0x78), Buffer.from('"}')]);
  };
  return {
    get length() {
      return source.length;
    },
    facts: (position) => source.facts(position),
    positionFor: (cursorUs) => source.positionFor(cursorUs),
    raw(position) {
      if (!isOversizedPosition(position, o.every)) return source.raw(position);
      // One padded copy kept: every connection replaying this position sends the same bytes.
      if (cached?.position !== position) cached = { position, raw: pad(source.raw(position)) };
      return cached.raw;
    },
  };
}

/** Whether the oversized switch pads this position. */
export const isOversizedPosition = (position: number, every: number): boolean => (position + 1) % every === 0;

/** Whether the malformed switch breaks this position (half a period away from the oversized ones). */
export const isMalformedPosition = (position: number, every: number): boolean =>
  position % every === Math.floor(every / 2);

/** The source with every `every`-th message broken (see JetstreamSimOptions.malformed). */
function withMalformed(source: EventSource, every: number): EventSource {
  if (!Number.isSafeInteger(every) || every < 2) throw new RangeError('malformed.every must be an integer ≥ 2');
  const breakMessage = (position: number, raw: string | Buffer): string => {
    const text = raw.toString();
    // Cut short: the head (did, time_us) stays, the JSON does not close.
    if (Math.floor(position / every) % 2 === 0) return text.slice(0, Math.max(1, text.length - 3));
    const v = JSON.parse(text) as { time_us: unknown; commit?: { record?: { text?: unknown } } };
    if (v.commit?.record) v.commit.record.text = 'x'.repeat(3001);
    else v.time_us = String(v.time_us);
    return JSON.stringify(v);
  };
  return {
    get length() {
      return source.length;
    },
    facts: (position) => source.facts(position),
    positionFor: (cursorUs) => source.positionFor(cursorUs),
    raw: (position) =>
      isMalformedPosition(position, every) ? breakMessage(position, source.raw(position)) : source.raw(position),
  };
}

function reply(socket: Duplex, status: number, text: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

class Connection {
  private sent = 0;
  private closed = false;
  private waitingDrain = false;
  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sim: Simulator,
    private readonly ws: WebSocket,
    /** The socket under ws: corked while a turn's frames are written (see pump). */
    private readonly socket: Duplex,
    private readonly params: SubscribeParams,
    private position: number,
    private readonly pacer: Pacer,
  ) {
    ws.on('ping', (data) => {
      if (!sim.silent && !this.closed) ws.pong(data);
    });
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
    // Jetstream accepts options_update messages from subscribers; the simulator ignores them.
    ws.on('message', () => undefined);
  }

  /** Runs pump on the next turn (at most one pending). */
  schedule(): void {
    if (this.closed || this.immediate) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.pump();
    });
  }

  close(abrupt: boolean): void {
    if (this.closed) return;
    if (abrupt) this.ws.terminate();
    else this.ws.close(1001, 'closed by jetstream-sim');
    this.dispose();
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.sim.forget(this);
  }

  private pump(): void {
    if (this.closed || this.waitingDrain || this.sim.silent) return;
    // One write for the turn's frames instead of a writev per frame: the frames are the same bytes, but a
    // syscall per event was most of the simulator's CPU, taken from the two cores it shares with ingest in the
    // benchmark (Jetstream runs elsewhere).
    this.socket.cork();
    try {
      this.sendTurn();
    } finally {
      this.socket.uncork();
    }
  }

  private sendTurn(): void {
    const source = this.sim.source;
    const limit = Math.min(source.length, this.pacer.limit(Date.now()));
    const max = this.sim.honorMaxMessageSize ? this.params.maxMessageSizeBytes : 0;
    for (let scanned = 0; this.position < limit && scanned < SCAN_PER_TURN; scanned++) {
      const drop = this.sim.dropLimit;
      if (drop !== null && this.sent >= drop) {
        // What was sent before the cut goes out first, as it did uncorked.
        this.socket.uncork();
        this.socket.cork();
        return this.drop();
      }
      const pos = this.position++;
      if (!matches(this.params, source.facts(pos))) continue;
      const raw = source.raw(pos);
      // A string's UTF-8 length is only measured when its length in UTF-16 units (1-3 bytes each) leaves it open.
      if (
        max > 0 &&
        (raw.length > max || (typeof raw === 'string' && raw.length * 3 > max && Buffer.byteLength(raw, 'utf8') > max))
      )
        continue;
      this.sent++;
      this.sim.countSent();
      const last = drop !== null && this.sent >= drop;
      if (last || this.ws.bufferedAmount >= this.sim.highWaterMark) {
        // Wait until this frame reached the kernel: then cut (dropAfter), or go on (backpressure).
        this.waitingDrain = true;
        this.ws.send(raw, TEXT, (err) => {
          this.waitingDrain = false;
          if (err) return;
          if (last) this.drop();
          else this.schedule();
        });
        return;
      }
      this.ws.send(raw, TEXT);
    }
    if (this.position < limit) this.schedule();
    else if (this.position < source.length) {
      // Paced: sleep until the next position is due.
      const wait = Math.max(1, Math.ceil(this.pacer.dueAt(this.position) - Date.now()));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
    }
    // Else: the source is exhausted; the socket stays open, quiet, like a firehose with nothing to say.
  }

  private drop(): void {
    this.sim.countDropped();
    this.close(true);
  }
}
