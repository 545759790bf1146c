import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { asPosts, post, startTestGraph, type TestGraph } from './_util';

// The service as an attacker meets it over real HTTP: cross-site requests, response amplification, parser
// exhaustion, and what production exposes.

const rows = Array.from({ length: 60 }, (_, i) => post({ rkey: `s${i}`, text: `amplify me ${'x'.repeat(200)} ${i}` }));
const EXPORT = 'mutation { exportPosts(limit: 5) { url rowCount } }';

let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(asPosts(rows), {}, { listen: true });
});
afterAll(() => t.close());

const endpoint = () => `${t.graph.url}/graphql`;
const exportFiles = async () => (await readdir(t.config.exportDir)).filter((f) => f.endsWith('.csv'));

describe('cross-site requests (CSRF)', () => {
  it('refuses the bodies a cross-site form or a simple fetch can send, before running anything', async () => {
    const before = await exportFiles();
    const form = new URLSearchParams({ query: EXPORT });
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: EXPORT }));
    const attempts: [string, RequestInit][] = [
      ['urlencoded', { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['multipart', { body: multipart }],
      ['text/plain', { body: JSON.stringify({ query: EXPORT }), headers: { 'content-type': 'text/plain' } }],
      ['no type', { body: new Blob([JSON.stringify({ query: EXPORT })]) }],
    ];
    for (const [name, init] of attempts) {
      const res = await fetch(endpoint(), {
        method: 'POST',
        ...init,
        headers: { origin: 'https://evil.example', ...init.headers },
      });
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect([name, res.status, body.errors[0].extensions.code]).toEqual([name, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    expect(await exportFiles()).toEqual(before);
    // The same mutation as JSON (what GraphiQL and real clients send) works.
    const ok = await t.http<{ exportPosts: { rowCount: number } }>(EXPORT);
    expect(ok.data?.exportPosts.rowCount).toBe(5);
  });

  it('runs a GET query only with a header a cross-site page cannot set without a preflight', async () => {
    const url = `${endpoint()}?query=${encodeURIComponent('{ searchPosts(first: 1) { edges { cursor } } }')}`;
    const bare = await fetch(url, { headers: { accept: 'application/json' } });
    expect(bare.status).toBe(403);
    const withHeader = await fetch(url, { headers: { accept: 'application/json', 'x-graphql-csrf': '1' } });
    expect(withHeader.status).toBe(200);
    expect(((await withHeader.json()) as { data: unknown }).data).toBeTruthy();
    // Mutations never run over GET.
    const mutation = await fetch(`${endpoint()}?query=${encodeURIComponent(EXPORT)}`, {
      headers: { accept: 'application/json', 'x-graphql-csrf': '1' },
    });
    expect(mutation.status).toBe(405);
  });
});

describe('CORS', () => {
  it('never reflects an unknown Origin, and never allows credentials', async () => {
    const res = await t.http('{ __typename }', undefined, { origin: 'https://evil.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(endpoint(), {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the configured origins only, without credentials', async () => {
    const t2 = await startTestGraph([], { GRAPH_CORS_ORIGINS: 'https://app.example.org' }, { listen: true });
    try {
      const allowed = await t2.http('{ __typename }', undefined, { origin: 'https://app.example.org' });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(`${t2.graph.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/);
      const other = await t2.http('{ __typename }', undefined, { origin: 'https://app.example.org.evil.example' });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await t2.close();
    }
  });
});

describe('response amplification and parsing cost', () => {
  it('refuses 2,000 aliased text fields on a page of 49 (23 KB → 12 MB before) without touching DuckDB', async () => {
    const before = t.queries.length;
    const aliases = Array.from({ length: 2000 }, (_, i) => `t${i}: text`).join(' ');
    const query = `{ searchPosts(first: 49) { edges { node { ${aliases} } } } }`;
    const res = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const text = await res.text();
    expect(text.length).toBeLessThan(2000);
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'QUERY_TOO_COMPLEX',
    );
    expect(t.queries.length).toBe(before);
  });

  it('bounds field count × page size by the cost limit, with page sizes from variables too', async () => {
    const before = t.queries.length;
    const fields = 'uri cid authorDid text createdAt indexedAt langs tags links mentions labels';
    // Few aliases (within the alias limit), each a full page: the cost is the bound.
    const page = `searchPosts(first: $n) { edges { node { ${fields} replyParent { ${fields} } quoted { ${fields} } } } }`;
    const query = `query($n: Int) { a: ${page} b: ${page} c: ${page} }`;
    const res = await t.http(query, { n: 1000 });
    expect(res.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/cost \(about \d+ values in the response\) is over the limit of 75000/),
      extensions: { code: 'QUERY_TOO_COMPLEX', maxCost: 75000 },
    });
    expect(t.queries.length).toBe(before);
    // The same with small pages is fine.
    expect((await t.http(query, { n: 10 })).errors).toBeUndefined();
  });

  it('refuses a 1 MB document from its Content-Length, before reading or parsing it', async () => {
    const query = `{ ${'__typename '.repeat(100_000)}}`;
    const started = performance.now();
    const res = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const ms = performance.now() - started;
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'REQUEST_TOO_LARGE',
    );
    expect(ms).toBeLessThan(1000);
  });

  it('stops parsing at the token limit and refuses oversized documents in GET too', async () => {
    const t2 = await startTestGraph(
      [],
      { GRAPH_MAX_TOKENS: '100', GRAPH_MAX_DOCUMENT_BYTES: '4096' },
      { listen: true },
    );
    try {
      const tokens = await t2.http(`{ ${'__typename '.repeat(200)}}`);
      // (200 under application/json, as the GraphQL-over-HTTP spec has it for request errors there.)
      expect(tokens.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/more than 100 tokens/),
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      });
      const big = `{ ${'__typename '.repeat(500)}}`;
      const get = await fetch(`${t2.graph.url}/graphql?query=${encodeURIComponent(big)}`, {
        headers: { accept: 'application/json', 'x-graphql-csrf': '1' },
      });
      expect(get.status).toBe(413);
      expect(await get.text()).toMatch(/at most 4096/);
    } finally {
      await t2.close();
    }
  });
});

describe('exposure in production', () => {
  const production = { NODE_ENV: 'production', EXPORT_SIGNING_SECRET: randomBytes(32).toString('hex') };

  it('turns introspection, GraphiQL and /metrics on the API port off by default', async () => {
    const t2 = await startTestGraph([], { ...production, GRAPH_METRICS_PORT: '0' }, { listen: true });
    try {
      const introspection = await t2.http('{ __schema { types { name } } }');
      expect(introspection.errors?.[0].message).toMatch(/introspection/i);
      expect(introspection.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await t2.http('{ __type(name: "Post") { name } }')).errors).toBeDefined();
      const page = await fetch(`${t2.graph.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/graphiql/i);
      expect((await fetch(`${t2.graph.url}/metrics`)).status).toBe(404);
      // Metrics live on their own port (not published by the proxy).
      const metrics = await fetch(`${t2.graph.metricsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('graph_operation_duration_seconds');
      // Queries still work.
      expect((await t2.http('{ searchPosts(first: 1) { edges { cursor } } }')).errors).toBeUndefined();
    } finally {
      await t2.close();
    }
  });

  it('turns each back on by its switch', async () => {
    const t2 = await startTestGraph(
      [],
      { ...production, GRAPH_METRICS_PORT: '0', GRAPH_INTROSPECTION: 'true', GRAPH_GRAPHIQL: 'true' },
      { listen: true },
    );
    try {
      const introspection = await t2.http<{ __type: { name: string } }>('{ __type(name: "Post") { name } }');
      expect(introspection.data).toEqual({ __type: { name: 'Post' } });
      const page = await fetch(`${t2.graph.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toMatch(/graphiql/i);
    } finally {
      await t2.close();
    }
  });
});
