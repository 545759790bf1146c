// Jetstream WebSocket client: one socket at a time, the resume point re-read on every (re)connect, jittered
// capped backoff, silence detection, failover across hosts, and pause/resume for backpressure.
// Callback shape rather than an async iterator: the consumer appends to Redis asynchronously and applies
// backpressure through pause(), which maps directly onto the socket (ws.pause() stops reading from TCP).
import { WebSocket } from 'ws';
import { backoffDelay, sleep } from './backoff';
import type { Logger } from './logger';

export interface ResumePoint {
  /** time_us of the last persisted event (v1 cursor). */
  timeUs: number;
  /** Host that delivered it and its v2 per-host `cursor`, if it sent one. */
  url?: string;
  cursor?: number;
}

export type ReconnectReason = 'close' | 'error' | 'silent' | 'refused';

export interface JetstreamSourceOptions {
  urls: string[];
  wantedCollections?: string[];
  rewindUs: number;
  silenceTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Called before every connection attempt; throwing counts as a failed attempt (e.g. Redis down). */
  resumePoint: () => Promise<ResumePoint | undefined>;
  onMessage: (data: Buffer, url: string) => void;
  onReconnect?: (reason: ReconnectReason, url: string) => void;
  log: Logger;
}

// Big enough that an oversized event reaches the decoder (which rejects it, counted) instead of killing the socket.
const MAX_PAYLOAD = 16 * 1024 * 1024;

export class JetstreamSource {
  connected = false;
  /** Date.now() of the last message, of the last successful open. */
  lastMessageAt = 0;
  lastOpenAt = 0;
  currentUrl: string | undefined;
  private ws: WebSocket | undefined;
  private readonly pauses = new Set<string>();
  private pausedAt = 0;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private endSocket: ((reason: ReconnectReason) => void) | undefined;

  constructor(private readonly opts: JetstreamSourceOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.endSocket?.('close');
    await this.loop;
  }

  /** Stop reading from the socket until every pause `key` is released (backpressure). */
  pause(key: string): void {
    if (this.pauses.size === 0) this.pausedAt = Date.now();
    this.pauses.add(key);
    this.ws?.pause();
  }

  resume(key: string): void {
    if (!this.pauses.delete(key) || this.pauses.size > 0) return;
    // Time spent paused is not silence of the server.
    this.lastMessageAt = Math.max(this.lastMessageAt, Date.now());
    this.ws?.resume();
  }

  get paused(): boolean {
    return this.pauses.size > 0;
  }

  /** Drop the current socket and reconnect from the persisted resume point (used after an append failure). */
  reconnect(reason: ReconnectReason = 'error'): void {
    this.endSocket?.(reason);
  }

  private async run(): Promise<void> {
    const { urls, log } = this.opts;
    let index = 0;
    let attempt = 0;
    while (!this.stopped) {
      const url = urls[index % urls.length];
      let outcome: { reason: ReconnectReason; received: boolean };
      try {
        const resume = await this.opts.resumePoint();
        if (this.stopped) break;
        outcome = await this.connectOnce(url, resume);
      } catch (err) {
        log.warn({ err, url }, 'could not prepare a Jetstream connection');
        outcome = { reason: 'error', received: false };
      }
      if (this.stopped) break;
      this.opts.onReconnect?.(outcome.reason, url);
      // A healthy socket that was closed is resumed on the same host (its v2 cursor stays valid);
      // anything else fails over to the next host.
      const healthy = outcome.received && outcome.reason === 'close';
      if (!healthy) index++;
      attempt = outcome.received ? 0 : attempt + 1;
      const delay = backoffDelay(attempt, this.opts.backoffMinMs, this.opts.backoffMaxMs);
      log.warn(
        { reason: outcome.reason, url, nextUrl: urls[index % urls.length], delayMs: delay },
        'Jetstream reconnecting',
      );
      await sleep(delay, this.abort.signal);
    }
  }

  private connectOnce(
    url: string,
    resume: ResumePoint | undefined,
  ): Promise<{ reason: ReconnectReason; received: boolean }> {
    const target = new URL(url);
    for (const c of this.opts.wantedCollections ?? []) target.searchParams.append('wantedCollections', c);
    if (resume) {
      // The v2 cursor is exact but only meaningful on the host that issued it; time_us works everywhere.
      const cursor =
        resume.cursor !== undefined && resume.url === url
          ? resume.cursor
          : Math.max(0, resume.timeUs - this.opts.rewindUs);
      target.searchParams.set('cursor', String(cursor));
    }
    const { log } = this.opts;
    return new Promise((resolve) => {
      let received = false;
      let settled = false;
      // skipUTF8Validation: the decoder checks UTF-8 itself and dead-letters a bad message with its reason; ws would
      // instead close the socket (1007), and the resume would fetch the same message again, forever.
      const ws = new WebSocket(target, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        maxPayload: MAX_PAYLOAD,
        handshakeTimeout: this.opts.silenceTimeoutMs,
      });
      this.ws = ws;
      this.currentUrl = url;
      // One periodic check instead of re-arming a timer per message (tens of thousands per second).
      const tick = Math.max(50, Math.floor(this.opts.silenceTimeoutMs / 4));
      const silence = setInterval(() => {
        if (!this.connected || this.pauses.size > 0) return;
        if (Date.now() - Math.max(this.lastMessageAt, this.lastOpenAt) > this.opts.silenceTimeoutMs) finish('silent');
      }, tick);
      const finish = (reason: ReconnectReason) => {
        if (settled) return;
        settled = true;
        clearInterval(silence);
        this.connected = false;
        this.endSocket = undefined;
        if (this.ws === ws) this.ws = undefined;
        ws.removeAllListeners('message');
        ws.on('error', () => undefined);
        ws.terminate();
        resolve({ reason, received });
      };
      this.endSocket = finish;
      ws.on('open', () => {
        this.connected = true;
        this.lastOpenAt = Date.now();
        if (this.pauses.size > 0) ws.pause();
        log.info(
          { url: target.origin + target.pathname, cursor: target.searchParams.get('cursor') },
          'Jetstream connected',
        );
      });
      ws.on('message', (data: Buffer) => {
        received = true;
        this.lastMessageAt = Date.now();
        this.opts.onMessage(data, url);
      });
      ws.on('unexpected-response', (_req, res) => {
        log.warn({ url, status: res.statusCode }, 'Jetstream refused the upgrade');
        finish('refused');
      });
      ws.on('error', (err: NodeJS.ErrnoException) => {
        const refused = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH';
        if (!settled) log.warn({ err: { message: err.message, code: err.code }, url }, 'Jetstream socket error');
        finish(refused ? 'refused' : 'error');
      });
      ws.on('close', () => finish('close'));
    });
  }
}
