// A plain `ws` client that records what a subscriber sees, and polling with a deadline (no fixed sleeps).

import WebSocket from 'ws';

export interface RecordingClient {
  readonly ws: WebSocket;
  readonly messages: string[];
  /** Close code once closed (1006 = abrupt, no close frame). */
  readonly closeCode: number | null;
  json(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export function connect(url: string): Promise<RecordingClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: string[] = [];
    let closeCode: number | null = null;
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('expected text frames');
      messages.push(data.toString('utf8'));
    });
    ws.on('close', (code) => {
      closeCode = code;
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        get closeCode() {
          return closeCode;
        },
        json: () => messages.map((m) => JSON.parse(m) as Record<string, unknown>),
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            ws.once('close', () => done());
            ws.terminate();
          }),
      }),
    );
  });
}

/** Resolves once `get()` has not changed for `quietMs` (a bounded wait for something to stop). */
export async function settle(get: () => number, quietMs: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = get();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = get();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return now;
    if (Date.now() > deadline) throw new Error('value never settled');
  }
}

/** The HTTP status an upgrade attempt got, or the socket error code when the socket was cut. */
export function upgradeOutcome(url: string): Promise<{ status?: number; error?: string; opened?: boolean }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}
