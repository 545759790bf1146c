import { rm } from 'node:fs/promises';
import { asPosts, post, startTestGraph, type TestGraph } from './_util';

let t: TestGraph;
let base: string;
beforeAll(async () => {
  t = await startTestGraph(asPosts([post({ text: 'hello over http' })]));
  await t.graph.start();
  base = t.graph.url;
});
afterAll(() => t.close());

async function gqlHttp(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] } };
}

describe('the HTTP service', () => {
  it('answers GraphQL over real HTTP with a request id', async () => {
    const { res, body } = await gqlHttp('{ searchPosts(text: "HTTP") { edges { node { text } } } }');
    expect(res.status).toBe(200);
    expect(body).toEqual({ data: { searchPosts: { edges: [{ node: { text: 'hello over http' } }] } } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await gqlHttp('{ __typename }', undefined, { 'x-request-id': 'abc-123' });
    expect(echoed.res.headers.get('x-request-id')).toBe('abc-123');
    const unsafe = await gqlHttp('{ __typename }', undefined, { 'x-request-id': 'x'.repeat(200) });
    expect(unsafe.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves GraphiQL at /graphql to browsers', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it('serves /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { dataDir: 'ok', duckdb: 'ok' } });
  });

  it('exposes the documented metrics', async () => {
    await gqlHttp('{ searchPosts(first: 0) { edges { cursor } } }');
    await gqlHttp('{ post(uri: "at://did:plc:x/app.bsky.feed.post/y") { uri } }');
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'graph_operation_duration_seconds',
      'graph_errors_total',
      'graph_duckdb_query_duration_seconds',
      'graph_duckdb_queries_in_flight',
      'graph_exports_total',
      'graph_export_rows_total',
      'graph_export_downloads_total',
      'graph_process_cpu_seconds_total',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(/graph_operation_duration_seconds_count\{operation="searchPosts",result="ok"\} [1-9]/);
    expect(text).toMatch(/graph_operation_duration_seconds_count\{operation="searchPosts",result="error"\} [1-9]/);
    expect(text).toMatch(/graph_operation_duration_seconds_count\{operation="post",result="ok"\} [1-9]/);
    expect(text).toMatch(/graph_operation_duration_seconds_count\{operation="other",result="ok"\} [1-9]/);
    expect(text).toMatch(/graph_errors_total\{code="BAD_USER_INPUT"\} [1-9]/);
    expect(text).toMatch(/graph_duckdb_query_duration_seconds_count\{query="search"\} [1-9]/);
    expect(text).toMatch(/graph_duckdb_query_duration_seconds_count\{query="lookup"\} [1-9]/);
    expect(text).toMatch(/graph_duckdb_queries_in_flight 0/);
    // Failure-only series exist from the start (at 0 here), so alert rates work before the first failure.
    expect(text).toMatch(/graph_errors_total\{code="QUERY_TIMEOUT"\} 0/);
    expect(text).toMatch(/graph_exports_total\{result="error"\} 0/);
    expect(text).not.toMatch(/did:plc|at:\/\//);
  });

  it('reports not ready when DATA_DIR is gone', async () => {
    const t2 = await startTestGraph();
    try {
      await rm(t2.dataDir, { recursive: true, force: true });
      const res = await t2.graph.yoga.fetch('http://localhost/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.dataDir).toBe('ENOENT');
      expect(JSON.stringify(body)).not.toContain(t2.dataDir);
    } finally {
      await t2.close();
    }
  });

  it('stops cleanly: the port is released and stop() is idempotent', async () => {
    const t2 = await startTestGraph();
    await t2.graph.start();
    const url = t2.graph.url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await t2.close();
    await t2.graph.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
