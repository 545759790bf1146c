import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { asPosts, memoryLogger, post, startTestGraph, type HttpGqlResponse, type TestGraph } from './_util';

// Overload behaviour over real HTTP: a bounded queue answering 503 SERVER_BUSY fast, one deadline per operation,
// per-client rate limits and export quotas.

const rows = Array.from({ length: 20 }, (_, i) => post({ rkey: `o${i}`, text: `overload post ${i}` }));
const PAGE = '{ searchPosts(first: 2) { edges { node { uri } } } }';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (r: HttpGqlResponse<unknown>) => r.errors?.[0]?.extensions?.code;

/** Makes a store method slow (work outside DuckDB: listing, decoding, the event loop) while it stays real. */
function slowDown<K extends 'search' | 'count' | 'exportCsv'>(t: TestGraph, method: K, ms: number): () => void {
  const store = t.graph.store;
  const original = store[method].bind(store) as (...a: unknown[]) => Promise<unknown>;
  (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    await sleep(ms);
    return original(...args);
  };
  return () => {
    (store as unknown as Record<string, unknown>)[method] = original;
  };
}

/** Waits until the operations still running after their answer (late work past a deadline) have ended. */
async function drained(t: TestGraph): Promise<void> {
  for (let i = 0; i < 100 && t.graph.admission.stats().running > 0; i++) await sleep(50);
  expect(t.graph.admission.stats()).toEqual({ running: 0, queued: 0 });
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await p;
  return [value, performance.now() - started];
}

describe('admission queue', () => {
  let t: TestGraph;
  beforeAll(async () => {
    t = await startTestGraph(
      asPosts(rows),
      { GRAPH_MAX_CONCURRENT_OPERATIONS: '1', GRAPH_MAX_QUEUED_OPERATIONS: '1', GRAPH_MAX_QUEUE_WAIT_MS: '300' },
      { listen: true },
    );
  });
  afterAll(() => t.close());

  it('answers 503 SERVER_BUSY with Retry-After at once when the queue is full, and after the wait bound', async () => {
    const restore = slowDown(t, 'search', 1500);
    try {
      const running = timed(t.http(PAGE));
      await sleep(50);
      const queued = timed(t.http(PAGE));
      await sleep(50);
      const [full, fullMs] = await timed(t.http(PAGE));
      expect(full.status).toBe(503);
      expect(code(full)).toBe('SERVER_BUSY');
      expect(full.headers.get('retry-after')).toBe('1');
      expect(full.errors?.[0].extensions).not.toHaveProperty('http');
      expect(fullMs).toBeLessThan(250);
      const [waited, waitedMs] = await queued;
      expect(waited.status).toBe(503);
      expect(code(waited)).toBe('SERVER_BUSY');
      expect(waited.errors?.[0].message).toMatch(/waited too long/);
      expect(waitedMs).toBeGreaterThanOrEqual(280);
      expect(waitedMs).toBeLessThan(1000);
      const [first] = await running;
      expect(first.errors).toBeUndefined();
    } finally {
      restore();
    }
    // Capacity is back.
    expect((await t.http(PAGE)).errors).toBeUndefined();
    expect(t.graph.admission.stats()).toEqual({ running: 0, queued: 0 });
    const metrics = await (await fetch(`${t.graph.url}/metrics`)).text();
    expect(metrics).toMatch(/graph_operations_rejected_total\{reason="queue_full"\} [1-9]/);
    expect(metrics).toMatch(/graph_operations_rejected_total\{reason="wait_too_long"\} [1-9]/);
    expect(metrics).toMatch(/graph_errors_total\{code="SERVER_BUSY"\} [1-9]/);
  });
});

describe('QUERY_TIMEOUT_MS end to end', () => {
  let t: TestGraph;
  beforeAll(async () => {
    t = await startTestGraph(asPosts(rows), { QUERY_TIMEOUT_MS: '500' }, { listen: true });
  });
  afterAll(() => t.close());

  it('bounds the whole operation, not only its DuckDB queries', async () => {
    const restore = slowDown(t, 'search', 3000);
    try {
      const [res, ms] = await timed(t.http(PAGE));
      expect(code(res)).toBe('QUERY_TIMEOUT');
      expect(res.errors?.[0].message).toMatch(/longer than 500 ms/);
      expect(ms).toBeGreaterThanOrEqual(480);
      expect(ms).toBeLessThan(1200);
      // The slot stays taken until the late work has really ended (it still holds resources).
      expect(t.graph.admission.stats().running).toBe(1);
    } finally {
      restore();
    }
    await drained(t);
  });

  it('bounds a page and its count together: the count gets what the page left', async () => {
    // Each part alone fits in 500 ms; together they do not.
    const restoreSearch = slowDown(t, 'search', 350);
    const restoreCount = slowDown(t, 'count', 350);
    try {
      const [res, ms] = await timed(t.http('{ searchPosts(first: 2) { totalCount edges { node { uri } } } }'));
      expect(code(res)).toBe('QUERY_TIMEOUT');
      expect(ms).toBeLessThan(1200);
    } finally {
      restoreSearch();
      restoreCount();
    }
    // The admission slot came back when the late work ended.
    await drained(t);
    expect((await t.http('{ searchPosts(first: 2) { totalCount } }')).data).toEqual({
      searchPosts: { totalCount: 20 },
    });
  });
});

describe('QUERY_TIMEOUT_MS counts the wait for a turn', () => {
  it('answers by the timeout from arrival, however the time was split between waiting and running', async () => {
    const t = await startTestGraph(
      asPosts(rows),
      { QUERY_TIMEOUT_MS: '1000', GRAPH_MAX_CONCURRENT_OPERATIONS: '1', GRAPH_MAX_QUEUE_WAIT_MS: '900' },
      { listen: true },
    );
    const restore = slowDown(t, 'search', 600);
    try {
      const first = t.http(PAGE);
      await sleep(20);
      // Waits ~580 ms for the first, then needs 600 ms more: over 1000 ms in all.
      const [second, ms] = await timed(t.http(PAGE));
      expect((await first).errors).toBeUndefined();
      expect(code(second)).toBe('QUERY_TIMEOUT');
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(ms).toBeLessThan(1400);
    } finally {
      restore();
      await drained(t);
      await t.close();
    }
  });
});

describe('per-client rate limit', () => {
  let t: TestGraph;
  beforeAll(async () => {
    t = await startTestGraph(
      asPosts(rows),
      { GRAPH_RATE_LIMIT_PER_MINUTE: '60', GRAPH_RATE_LIMIT_BURST: '3', GRAPH_TRUSTED_PROXY_HOPS: '1' },
      { listen: true },
    );
  });
  afterAll(() => t.close());

  it('allows a burst, then 429 RATE_LIMITED with Retry-After, per client address', async () => {
    const alice = { 'x-forwarded-for': '203.0.113.1' };
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await t.http(PAGE, undefined, alice));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(code(results[3])).toBe('RATE_LIMITED');
    expect(results[3].headers.get('retry-after')).toBe('1');
    // Another client is not affected; a forged left-most X-Forwarded-For entry changes nothing.
    expect((await t.http(PAGE, undefined, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await t.http(PAGE, undefined, { 'x-forwarded-for': '1.1.1.1, 203.0.113.1' })).status).toBe(429);
    // Introspection (GraphiQL's schema load) is not counted.
    expect((await t.http('{ __schema { queryType { name } } }', undefined, alice)).status).toBe(200);
    await sleep(1100);
    expect((await t.http(PAGE, undefined, alice)).status).toBe(200);
  });
});

describe('export quotas', () => {
  const EXPORT = 'mutation($limit: Int) { exportPosts(limit: $limit) { url rowCount } }';
  type Exported = { exportPosts: { url: string; rowCount: number } };

  it('limits rows per client per hour', async () => {
    const t = await startTestGraph(asPosts(rows), { EXPORT_ROWS_PER_HOUR_PER_CLIENT: '10' }, { listen: true });
    try {
      expect((await t.http<Exported>(EXPORT, { limit: 6 })).data?.exportPosts.rowCount).toBe(6);
      const over = await t.http(EXPORT, { limit: 6 });
      expect(over.status).toBe(429);
      expect(code(over)).toBe('RATE_LIMITED');
      expect(over.errors?.[0].message).toMatch(/4 of its 10 rows per hour left/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(3500);
      expect((await t.http<Exported>(EXPORT, { limit: 4 })).data?.exportPosts.rowCount).toBe(4);
      // Without a limit, what matches (20) is more than an hour's allowance: refused before writing.
      expect(code(await t.http(EXPORT, {}))).toBe('EXPORT_TOO_LARGE');
    } finally {
      await t.close();
    }
  });

  it('limits exports running at once, per client (429) and in all (503)', async () => {
    const t = await startTestGraph(
      asPosts(rows),
      { EXPORT_MAX_CONCURRENT: '2', EXPORT_MAX_CONCURRENT_PER_CLIENT: '1', GRAPH_TRUSTED_PROXY_HOPS: '1' },
      { listen: true },
    );
    const restore = slowDown(t, 'exportCsv', 800);
    try {
      const as = (ip: string) => ({ 'x-forwarded-for': ip });
      const a1 = t.http<Exported>(EXPORT, { limit: 1 }, as('198.51.100.1'));
      const b1 = t.http<Exported>(EXPORT, { limit: 1 }, as('198.51.100.2'));
      await sleep(150);
      const a2 = await t.http(EXPORT, { limit: 1 }, as('198.51.100.1'));
      expect([a2.status, code(a2)]).toEqual([429, 'RATE_LIMITED']);
      const c1 = await t.http(EXPORT, { limit: 1 }, as('198.51.100.3'));
      expect([c1.status, code(c1)]).toEqual([503, 'SERVER_BUSY']);
      expect(c1.headers.get('retry-after')).toBeTruthy();
      expect((await a1).data?.exportPosts.rowCount).toBe(1);
      expect((await b1).data?.exportPosts.rowCount).toBe(1);
      expect((await t.http<Exported>(EXPORT, { limit: 1 }, as('198.51.100.3'))).data?.exportPosts.rowCount).toBe(1);
    } finally {
      restore();
      await t.close();
    }
  });

  it('keeps export files within EXPORT_MAX_DISK_BYTES, removing the oldest first', async () => {
    const probe = await startTestGraph(asPosts(rows), {}, { listen: true });
    let size: number;
    try {
      const r = await probe.http<Exported>(EXPORT, { limit: 5 });
      size = (await stat(join(probe.config.exportDir, /\/exports\/(\w+\.csv)/.exec(r.data!.exportPosts.url)![1]))).size;
    } finally {
      await probe.close();
    }
    const t = await startTestGraph(
      asPosts(rows),
      { EXPORT_MAX_DISK_BYTES: String(Math.floor(size * 2.5)), PUBLIC_URL: 'http://placeholder.invalid' },
      { listen: true },
    );
    try {
      const links: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await t.http<Exported>(EXPORT, { limit: 5 });
        links.push(r.data!.exportPosts.url.replace('http://placeholder.invalid', t.graph.url));
      }
      const statuses = await Promise.all(links.map(async (l) => (await fetch(l)).status));
      expect(statuses).toEqual([404, 404, 200, 200]);
      const gone = await fetch(links[0]);
      expect(await gone.text()).toMatch(/removed to free disk space/);
      const metrics = await (await fetch(`${t.graph.url}/metrics`)).text();
      expect(metrics).toMatch(/graph_export_evictions_total [2-9]/);
    } finally {
      await t.close();
    }
  });
});

describe('shutdown', () => {
  it('lets running operations end before closing the store, also when their client went away', async () => {
    const mem = memoryLogger();
    const t = await startTestGraph(asPosts(rows), {}, { listen: true, logger: mem.logger });
    slowDown(t, 'search', 800);
    const gone = new AbortController();
    const abandoned = fetch(`${t.graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PAGE }),
      signal: gone.signal,
    }).catch(() => 'aborted');
    await sleep(100);
    gone.abort();
    expect(await abandoned).toBe('aborted');
    const [, stopMs] = await timed(t.close());
    expect(stopMs).toBeGreaterThanOrEqual(500);
    expect(stopMs).toBeLessThan(3000);
    // Without the wait the store closed under the search: "the DuckDB pool is closed" at error level.
    expect(mem.lines().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('answers requests already running when it stops', async () => {
    const t = await startTestGraph(asPosts(rows), {}, { listen: true });
    slowDown(t, 'search', 500);
    const running = t.http(PAGE);
    await sleep(100);
    const [, stopMs] = await timed(t.close());
    expect((await running).errors).toBeUndefined();
    expect(stopMs).toBeLessThan(3000);
  });
});
