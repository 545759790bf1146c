import { existsSync } from 'node:fs';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { schema } from '../src/graphql-schema';
import { signExport } from '../src/signing';
import { asPosts, post, SECRET, startTestGraph, T0, type TestGraph } from './_util';

// Over real HTTP: the mutation returns a signed link on PUBLIC_URL, the download route serves or refuses it.

const tricky = [
  post({ rkey: 'q', text: 'she said "hi", then left', langs: ['en', 'fr'], tags: ['a,b'] }),
  post({ rkey: 'n', text: 'line one\nline two\r\nline three, with comma' }),
  post({ rkey: 'f', text: '=HYPERLINK("http://evil")', indexed_at: T0 + 90_000_000 }),
  post({ rkey: 'm', text: '-2+3 looks like a formula' }),
  post({ rkey: 'u', text: '日本語と絵文字 🎉 and ёлка' }),
  post({ rkey: 'e', text: '' }),
];
const other = Array.from({ length: 5 }, (_, i) => post({ rkey: `o${i}`, text: `other ${i}`, did: 'did:plc:other' }));

let t: TestGraph;
let base: string;
beforeAll(async () => {
  t = await startTestGraph(asPosts([...tricky, ...other]), {
    EXPORT_MAX_ROWS: '8',
    PUBLIC_URL: 'http://placeholder.invalid',
  });
  await t.graph.start();
  base = t.graph.url;
});
afterAll(() => t.close());

/** The CSV's columns: the GraphQL Post fields, in the order a reader expects (identity, text, times, links). */
const CSV_FIELDS = [
  'uri',
  'cid',
  'authorDid',
  'authorHandle',
  'text',
  'createdAt',
  'indexedAt',
  'langs',
  'replyParentUri',
  'replyRootUri',
  'quotedUri',
  'embedKind',
  'externalUri',
  'mentions',
  'tags',
  'links',
  'labels',
];

const EXPORT = `mutation($text: String, $author: String, $limit: Int, $dateRange: DateRangeInput) {
  exportPosts(text: $text, author: $author, limit: $limit, dateRange: $dateRange) { url expiresAt rowCount } }`;

async function exportUrl(
  variables: Record<string, unknown>,
): Promise<{ url: string; expiresAt: string; rowCount: number; local: string }> {
  const res = await t.gql<{ exportPosts: { url: string; expiresAt: string; rowCount: number } }>(EXPORT, variables);
  expect(res.errors).toBeUndefined();
  const r = res.data!.exportPosts;
  // PUBLIC_URL is what clients see; the test talks to the real listening port.
  return { ...r, local: r.url.replace('http://placeholder.invalid', base) };
}

function idOf(url: string): string {
  return /\/exports\/([0-9a-f]{32})\.csv\?/.exec(url)![1];
}

describe('exportPosts and the download route', () => {
  it('returns a signed link on PUBLIC_URL and streams a CSV that parses back to the same rows', async () => {
    const before = Date.now();
    const r = await exportUrl({ author: 'did:plc:alice' });
    expect(r.rowCount).toBe(tricky.length);
    const url = new URL(r.url);
    expect(url.origin).toBe('http://placeholder.invalid');
    const expires = Number(url.searchParams.get('expires'));
    expect(url.searchParams.get('signature')).toBe(signExport(SECRET, idOf(r.url), expires));
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
    expect(Date.parse(r.expiresAt)).toBe(expires * 1000);

    const res = await fetch(r.local);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/);
    const records = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0])).toEqual(CSV_FIELDS);
    const rkeyOf = new Map(tricky.map((p) => [p.uri, p.rkey]));
    const byRkey = new Map(records.map((rec) => [rkeyOf.get(rec.uri), rec]));
    expect(records.map((rec) => rec.uri).sort()).toEqual(tricky.map((p) => p.uri).sort());
    expect(byRkey.get('q')!.text).toBe('she said "hi", then left');
    expect(byRkey.get('n')!.text).toBe('line one\nline two\r\nline three, with comma');
    expect(byRkey.get('u')!.text).toBe('日本語と絵文字 🎉 and ёлка');
    expect(byRkey.get('e')!.text).toBe('');
    expect(JSON.parse(byRkey.get('q')!.langs)).toEqual(['en', 'fr']);
    expect(JSON.parse(byRkey.get('q')!.tags)).toEqual(['a,b']);
    // Formula injection neutralised: the cell no longer starts with = + - @.
    expect(byRkey.get('f')!.text).toBe(`'=HYPERLINK("http://evil")`);
    expect(byRkey.get('m')!.text).toBe(`'-2+3 looks like a formula`);
    // Newest first, as in search.
    expect(records[0].uri).toBe(tricky[2].uri);
  });

  it('names its columns as the GraphQL Post fields, and each row holds what the API answers for that post', async () => {
    // Every scalar field of Post is a column (a new field must be added to the export too), nothing else is.
    const postType = schema.getType('Post') as GraphQLObjectType;
    const scalarFields = Object.values(postType.getFields())
      .filter((f) => !isObjectType(getNamedType(f.type)))
      .map((f) => f.name);
    // authorHandle is Post.author.handle, flattened (the only column from an object field).
    const API_FIELDS = CSV_FIELDS.filter((f) => f !== 'authorHandle');
    expect([...API_FIELDS].sort()).toEqual(scalarFields.sort());

    const withLinks = [
      post({
        rkey: 'x1',
        did: 'did:plc:csv',
        text: 'all the fields',
        langs: ['de'],
        reply_parent_uri: tricky[0].uri,
        reply_root_uri: tricky[1].uri,
        quoted_uri: tricky[2].uri,
        embed_kind: 'recordWithMedia',
        external_uri: 'https://example.org/a,b',
        mentions: ['did:plc:bob'],
        tags: ['csv'],
        links: ['https://example.org/x'],
        labels: ['nudity'],
        created_at: null,
      }),
      post({ rkey: 'x2', did: 'did:plc:csv', text: 'plain' }),
    ];
    const t2 = await startTestGraph(
      [
        ...asPosts(withLinks),
        { table: 'identities', row: { did: 'did:plc:csv', handle: 'csv.bsky.social', indexed_at: T0, time_us: T0 } },
      ],
      { PUBLIC_URL: 'http://placeholder.invalid' },
      { listen: true },
    );
    try {
      const exported = await t2.http<{ exportPosts: { url: string; rowCount: number } }>(
        'mutation { exportPosts(author: "did:plc:csv") { url rowCount } }',
      );
      expect(exported.data?.exportPosts.rowCount).toBe(2);
      const csv = await (
        await fetch(exported.data!.exportPosts.url.replace('http://placeholder.invalid', t2.graph.url))
      ).text();
      const records = parse(csv, { columns: true }) as Record<string, string>[];
      expect(csv.split('\r\n')[0]).toBe(CSV_FIELDS.join(','));

      const api = await t2.http<{ searchPosts: { edges: { node: Record<string, unknown> }[] } }>(
        `{ searchPosts(author: "did:plc:csv") { edges { node { ${API_FIELDS.join(' ')} author { handle } } } } }`,
      );
      const nodes = api.data!.searchPosts.edges.map((e) => e.node);
      expect(records).toHaveLength(nodes.length);
      // As the API gives it: lists as JSON, null as an empty cell.
      const asCell = (v: unknown) => (v === null ? '' : Array.isArray(v) ? JSON.stringify(v) : String(v));
      for (const [i, node] of nodes.entries()) {
        const handle = (node.author as { handle: string | null }).handle;
        expect(handle).toBe('csv.bsky.social');
        expect(records[i]).toEqual({
          ...Object.fromEntries(API_FIELDS.map((f) => [f, asCell(node[f])])),
          authorHandle: asCell(handle),
        });
      }
      const full = records.find((r) => r.uri === withLinks[0].uri)!;
      expect(full.createdAt).toBe('');
      expect(full.embedKind).toBe('recordWithMedia');
      expect(full.externalUri).toBe('https://example.org/a,b');
      expect(JSON.parse(full.labels)).toEqual(['nudity']);
    } finally {
      await t2.close();
    }
  });

  it('honours filters and limit', async () => {
    const r = await exportUrl({ text: 'other', limit: 2 });
    expect(r.rowCount).toBe(2);
    const records = parse(await (await fetch(r.local)).text(), { columns: true }) as Record<string, string>[];
    expect(records.map((rec) => rec.text)).toEqual(['other 4', 'other 3']);
    const none = await exportUrl({ text: 'no such words here' });
    expect(none.rowCount).toBe(0);
    expect((await (await fetch(none.local)).text()).trim()).toBe(CSV_FIELDS.join(','));
  });

  it('refuses exports over EXPORT_MAX_ROWS with EXPORT_TOO_LARGE', async () => {
    const res = await t.gql(EXPORT, {});
    expect(res.errors?.[0].extensions?.code).toBe('EXPORT_TOO_LARGE');
    expect(res.errors?.[0].message).toMatch(/11 posts match, more than the export maximum of 8; narrow/);
    const over = await t.gql(EXPORT, { limit: 9 });
    expect(over.errors?.[0].extensions?.code).toBe('EXPORT_TOO_LARGE');
    expect(over.errors?.[0].message).toMatch(/lower the limit/);
    const capped = await t.gql<{ exportPosts: { rowCount: number } }>(EXPORT, { limit: 8 });
    expect(capped.data!.exportPosts.rowCount).toBe(8);
  });

  it('answers 403 to a missing, malformed or tampered signature', async () => {
    const r = await exportUrl({ author: 'did:plc:other' });
    const u = new URL(r.local);
    const sig = u.searchParams.get('signature')!;
    const expires = u.searchParams.get('expires')!;
    const path = `${base}${u.pathname}`;
    const variants = [
      path,
      `${path}?expires=${expires}`,
      `${path}?signature=${sig}`,
      `${path}?expires=${expires}&signature=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`,
      `${path}?expires=${expires}&signature=${sig.slice(0, 10)}`,
      `${path}?expires=${expires}&signature=${sig}00`,
      `${path}?expires=${Number(expires) + 3600}&signature=${sig}`, // extended expiry
      `${path}?expires=abc&signature=${sig}`,
      `${path}?expires=${expires}&signature=${'g'.repeat(64)}`,
    ];
    for (const v of variants) {
      const res = await fetch(v);
      expect([v, res.status]).toEqual([v, 403]);
      expect(await res.text()).not.toMatch(/uri,cid/);
    }
    // Another export's signature does not open this one.
    const r2 = await exportUrl({ author: 'did:plc:other', limit: 1 });
    const u2 = new URL(r2.local);
    expect((await fetch(`${path}?${u2.searchParams}`)).status).toBe(403);
    expect((await fetch(r.local)).status).toBe(200);
  });

  it('answers 404 to an unknown export, 410 once expired (and deletes the file)', async () => {
    const unknown = 'f'.repeat(32);
    const exp = Math.floor(Date.now() / 1000) + 600;
    expect(
      (await fetch(`${base}/exports/${unknown}.csv?expires=${exp}&signature=${signExport(SECRET, unknown, exp)}`))
        .status,
    ).toBe(404);
    expect((await fetch(`${base}/exports/..%2F..%2Fetc%2Fpasswd.csv?expires=${exp}&signature=x`)).status).toBe(404);

    const r = await exportUrl({ author: 'did:plc:other', limit: 1 });
    const id = idOf(r.url);
    const file = join(t.config.exportDir, `${id}.csv`);
    expect(existsSync(file)).toBe(true);
    const past = Math.floor(Date.now() / 1000) - 1;
    const res = await fetch(`${base}/exports/${id}.csv?expires=${past}&signature=${signExport(SECRET, id, past)}`);
    expect(res.status).toBe(410);
    expect(existsSync(file)).toBe(false);
    // The original (still valid) link now finds nothing.
    expect((await fetch(r.local)).status).toBe(404);
  });

  it('sweeps expired exports and stale partial files, keeping live ones', async () => {
    const live = await exportUrl({ author: 'did:plc:other', limit: 1 });
    const dir = t.config.exportDir;
    const expiredFile = join(dir, `${'a'.repeat(32)}.csv`);
    await writeFile(expiredFile, 'x');
    await utimes(expiredFile, new Date(), new Date(Date.now() - 1000));
    const stalePartial = join(dir, `${'b'.repeat(32)}.csv.partial`);
    await writeFile(stalePartial, 'x');
    await utimes(stalePartial, new Date(), new Date(Date.now() - 3 * 3_600_000));
    const freshPartial = join(dir, `${'c'.repeat(32)}.csv.partial`);
    await writeFile(freshPartial, 'x');

    expect(await t.graph.exports.sweep()).toBeGreaterThanOrEqual(2);
    const left = await readdir(dir);
    expect(left).toContain(`${idOf(live.url)}.csv`);
    expect(left).toContain(`${'c'.repeat(32)}.csv.partial`);
    expect(left).not.toContain(`${'a'.repeat(32)}.csv`);
    expect(left).not.toContain(`${'b'.repeat(32)}.csv.partial`);
    expect((await fetch(live.local)).status).toBe(200);
  });

  it('counts downloads and exports in /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/graph_export_downloads_total\{status="200"\} [1-9]/);
    expect(text).toMatch(/graph_export_downloads_total\{status="403"\} [1-9]/);
    expect(text).toMatch(/graph_export_downloads_total\{status="404"\} [1-9]/);
    expect(text).toMatch(/graph_export_downloads_total\{status="410"\} [1-9]/);
    expect(text).toMatch(/graph_exports_total\{result="ok"\} [1-9]/);
    expect(text).toMatch(/graph_exports_total\{result="too_large"\} [1-9]/);
    expect(text).toMatch(/graph_export_rows_total [1-9]/);
    expect(text).toMatch(/graph_duckdb_query_duration_seconds_count\{query="export"\} [1-9]/);
  });
});
