import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent } from './decode';
import type { CommitEvent, JetstreamEvent } from './events';
import { MAX_TEXT_BYTES, postUri, toRows, type TableRow } from './normalize';
import type { PostRow } from './rows';

const A = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb';
const C = 'did:web:example.com';
const T0 = 1779800000000000;
const cid = (n: number): string => `bafyreih${String(n).padStart(2, '0')}${'a'.repeat(49)}`;
const HANDMADE = join(__dirname, '../../../fixtures/jetstream-handmade-v1.jsonl');
const lines = readFileSync(HANDMADE, 'utf8')
  .split('\n')
  .filter((l) => l !== '');

function rowsOfLine(line: string): TableRow[] {
  // Decode the bytes, as ingest receives them off the socket.
  const d = decodeEvent(Buffer.from(line, 'utf8'));
  if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
  const r = toRows(d.event);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.rows;
}
const postOfLine = (n: number): PostRow => {
  const rows = rowsOfLine(lines[n - 1]);
  expect(rows[0].table).toBe('posts');
  return rows[0].row as PostRow;
};

const postEvent = (record: Record<string, unknown>, over: Partial<CommitEvent['commit']> = {}): CommitEvent => ({
  did: A,
  time_us: T0,
  kind: 'commit',
  commit: {
    rev: '3mmp000000001',
    operation: 'create',
    collection: 'app.bsky.feed.post',
    rkey: '3mmp00000001a',
    cid: cid(1),
    record: { $type: 'app.bsky.feed.post', createdAt: '2026-05-26T10:00:00.000Z', ...record },
    ...over,
  },
});
function post(record: Record<string, unknown>, over: Partial<CommitEvent['commit']> = {}): PostRow {
  const r = toRows(postEvent(record, over));
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  expect(r.rows[0].table).toBe('posts');
  return r.rows[0].row as PostRow;
}
const rejection = (e: JetstreamEvent) => {
  const r = toRows(e);
  expect(r.ok).toBe(false);
  return r.ok ? undefined : { reason: r.reason, detail: r.detail };
};

describe('toRows: text is kept byte for byte', () => {
  const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

  it.each([
    [1, 'emoji with ZWJ sequences and flags', '👨‍👩‍👧‍👦 family 🇯🇵 flag 🏳️‍🌈'],
    [2, 'CJK and Hangul', '日本語のテキスト、中文文本，한국어 텍스트'],
    [3, 'RTL scripts with direction marks', '\u200fمرحبا بالعالم\u200f שלום עולם'],
    [4, 'combining marks, not NFC-normalised', 'cafe\u0301 Z\u0351\u0310a\u0364l\u0352g\u0308o \u1100\u1161\u11a8'],
    [
      5,
      'whitespace, quotes and backslashes, not trimmed',
      '  leading and trailing\n\twhitespace, "quotes" and \\backslash  \n',
    ],
  ])('line %i: %s', (n, _what, expected) => {
    const row = postOfLine(n);
    expect(hex(row.text)).toBe(hex(expected));
    // The same bytes as in the raw message (these lines carry text without JSON escapes but for line 5).
    if (n !== 5) expect(Buffer.from(lines[n - 1], 'utf8').includes(Buffer.from(row.text, 'utf8'))).toBe(true);
  });

  it('decomposed é stays e + U+0301 (3 bytes), not U+00E9', () => {
    expect(hex(postOfLine(4).text).startsWith('63616665cc81')).toBe(true);
  });

  it('\\u escapes (surrogate pairs) decode to the same bytes as raw UTF-8', () => {
    // JSON.stringify-style escaping of every non-ASCII UTF-16 unit, emoji as surrogate-pair escapes.
    let fullyEscaped = '';
    for (let i = 0; i < lines[0].length; i++) {
      const u = lines[0].charCodeAt(i);
      fullyEscaped += u < 0x80 ? lines[0][i] : '\\u' + u.toString(16).padStart(4, '0');
    }
    expect(fullyEscaped).toContain('\\ud83d\\udc68');
    expect(fullyEscaped).not.toContain('👨');
    expect(rowsOfLine(fullyEscaped)).toEqual(rowsOfLine(lines[0]));
  });

  it('rejects a lone surrogate, which has no UTF-8 form', () => {
    const d = decodeEvent(lines[0].replace('family', '\\ud83d family'));
    expect(d.ok && toRows(d.event)).toMatchObject({ ok: false, reason: 'invalid_text' });
  });
});

describe('toRows: hand-made fixture rows', () => {
  it('facets → mentions, links, tags (with record.tags, deduplicated, case kept)', () => {
    const row = postOfLine(6);
    expect(row.mentions).toEqual([B]);
    expect(row.links).toEqual(['https://example.com/a?b=1']);
    expect(row.tags).toEqual(['Cats', 'cats', 'extra']);
    expect(row.langs).toEqual(['en']);
  });

  it('every embed kind with its quoted and external URIs', () => {
    const embeds = [7, 8, 9, 10, 11].map((n) => {
      const r = postOfLine(n);
      return [r.embed_kind, r.quoted_uri, r.external_uri];
    });
    expect(embeds).toEqual([
      ['images', null, null],
      ['video', null, null],
      ['external', null, 'https://news.example.org/story'],
      ['record', `at://${A}/app.bsky.feed.post/3mmp00000001a`, null],
      ['recordWithMedia', `at://${A}/app.bsky.feed.post/3mmp00000002a`, 'https://example.net/x'],
    ]);
  });

  it('an image-only post has empty text and keeps its self-labels', () => {
    const row = postOfLine(7);
    expect(row.text).toBe('');
    expect(row.labels).toEqual(['nudity']);
  });

  it('a reply carries its root and parent URIs; a did:web author gets a did:web URI', () => {
    const row = postOfLine(12);
    expect(row.reply_root_uri).toBe(`at://${A}/app.bsky.feed.post/3mmp00000001a`);
    expect(row.reply_parent_uri).toBe(`at://${B}/app.bsky.feed.post/3mmp00000010a`);
    expect(postOfLine(11).uri).toBe(`at://${C}/app.bsky.feed.post/3mmp00000011a`);
  });

  it('an update gives a posts row (operation update) and a supersede tombstone', () => {
    const t = T0 + 13000;
    const uri = `at://${A}/app.bsky.feed.post/3mmp00000001a`;
    const rows = rowsOfLine(lines[12]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      table: 'posts',
      row: { uri, operation: 'update', cid: cid(13), indexed_at: t, time_us: t },
    });
    expect(rows[1]).toEqual({
      table: 'tombstones',
      row: { uri, did: A, rkey: '3mmp00000001a', rev: '3mmp000000013', kind: 'supersede', indexed_at: t, time_us: t },
    });
  });

  it('a delete (no record) gives a delete tombstone', () => {
    expect(rowsOfLine(lines[13])).toEqual([
      {
        table: 'tombstones',
        row: {
          uri: `at://${A}/app.bsky.feed.post/3mmp00000005a`,
          did: A,
          rkey: '3mmp00000005a',
          rev: '3mmp000000014',
          kind: 'delete',
          indexed_at: T0 + 14000,
          time_us: T0 + 14000,
        },
      },
    ]);
  });

  it('account takedown and reactivation give accounts rows; identity gives an identities row', () => {
    expect(rowsOfLine(lines[14])).toEqual([
      {
        table: 'accounts',
        row: { did: B, active: false, status: 'takendown', indexed_at: T0 + 15000, time_us: T0 + 15000 },
      },
    ]);
    expect(rowsOfLine(lines[15])).toEqual([
      { table: 'accounts', row: { did: B, active: true, status: null, indexed_at: T0 + 16000, time_us: T0 + 16000 } },
    ]);
    expect(rowsOfLine(lines[16])).toEqual([
      { table: 'identities', row: { did: C, handle: 'example.com', indexed_at: T0 + 17000, time_us: T0 + 17000 } },
    ]);
  });

  it('identity handles are lower-cased; missing, handle.invalid and malformed handles become null', () => {
    const identity = (handle?: string): JetstreamEvent => ({
      did: A,
      time_us: T0,
      kind: 'identity',
      identity: handle === undefined ? { did: A, seq: 7 } : { did: A, handle, seq: 7 },
    });
    const handleOf = (handle?: string) => {
      const r = toRows(identity(handle));
      if (!r.ok) throw new Error(r.detail);
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0].table).toBe('identities');
      return (r.rows[0].row as { handle: string | null }).handle;
    };
    expect(handleOf('Alice.BSKY.social')).toBe('alice.bsky.social');
    expect(handleOf(' bob.example.com ')).toBe('bob.example.com');
    expect(handleOf(undefined)).toBeNull();
    expect(handleOf('handle.invalid')).toBeNull();
    expect(handleOf('Handle.Invalid')).toBeNull();
    expect(handleOf('not a handle')).toBeNull();
    expect(handleOf('nodots')).toBeNull();
    expect(handleOf('alice.bsky.123')).toBeNull();
    expect(handleOf('')).toBeNull();
  });

  it('the v2 cursor does not change the rows', () => {
    const d = decodeEvent(lines[11]);
    expect(d.ok && d.event.cursor).toBe(42);
    expect(postOfLine(12).time_us).toBe(T0 + 12000);
  });

  it('every post line yields exactly the contract columns', () => {
    for (let n = 1; n <= 13; n++) {
      const row = postOfLine(n);
      expect(row.uri).toBe(postUri(row.did, row.rkey));
      expect(row.created_at).toBe(Date.UTC(2026, 4, 26, 10, 0, n) * 1000);
      expect(row.indexed_at).toBe(T0 + n * 1000);
    }
  });
});

describe('toRows: post validation', () => {
  it('a full row built from an inline record', () => {
    expect(post({ text: 'hi', langs: ['en'] })).toEqual({
      uri: `at://${A}/app.bsky.feed.post/3mmp00000001a`,
      cid: cid(1),
      did: A,
      rkey: '3mmp00000001a',
      rev: '3mmp000000001',
      text: 'hi',
      created_at: Date.UTC(2026, 4, 26, 10) * 1000,
      indexed_at: T0,
      time_us: T0,
      langs: ['en'],
      reply_root_uri: null,
      reply_parent_uri: null,
      embed_kind: null,
      quoted_uri: null,
      external_uri: null,
      mentions: [],
      tags: [],
      links: [],
      labels: [],
      operation: 'create',
    } satisfies PostRow);
  });

  it('a post without text gets empty text; non-string text is rejected', () => {
    expect(post({}).text).toBe('');
    for (const text of [5, null, ['a'], { t: 1 }]) {
      expect(rejection(postEvent({ text }))).toMatchObject({ reason: 'invalid_text' });
    }
  });

  it('a record that is not a post is rejected', () => {
    expect(rejection(postEvent({ $type: 'app.bsky.feed.like' }))).toMatchObject({ reason: 'invalid_record_type' });
    expect(rejection(postEvent({ $type: undefined }))).toMatchObject({ reason: 'invalid_record_type' });
  });

  it('text up to 3000 UTF-8 bytes is kept; over it is rejected, saying the byte count', () => {
    expect(post({ text: 'a'.repeat(MAX_TEXT_BYTES) }).text).toHaveLength(3000);
    expect(post({ text: '語'.repeat(1000) }).text).toHaveLength(1000); // 3000 bytes
    expect(rejection(postEvent({ text: 'a'.repeat(3001) }))).toEqual({
      reason: 'text_too_long',
      detail: "text is 3001 bytes UTF-8, over the lexicon's 3000-byte limit",
    });
    // 751 four-byte emoji: 1502 UTF-16 units but 3004 bytes.
    expect(rejection(postEvent({ text: '😀'.repeat(751) }))).toMatchObject({ reason: 'text_too_long' });
  });

  it('an invalid or missing createdAt gives created_at null and keeps the post', () => {
    for (const createdAt of [
      'yesterday',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-05-26',
      42,
      null,
      undefined,
    ]) {
      const row = post({ text: 'x', createdAt });
      expect({ createdAt, v: row.created_at }).toEqual({ createdAt, v: null });
      expect(row.text).toBe('x');
    }
    expect(post({ createdAt: '2026-05-26T12:00:00.123456+02:00' }).created_at).toBe(
      Date.UTC(2026, 4, 26, 10) * 1000 + 123456,
    );
    expect(post({ createdAt: '2099-01-01T00:00:00Z' }).created_at).toBe(Date.UTC(2099, 0, 1) * 1000); // future: kept as claimed
  });

  it('a create or update without cid is rejected; a delete does not need one', () => {
    expect(rejection(postEvent({ text: 'x' }, { cid: undefined }))).toMatchObject({ reason: 'missing_cid' });
    expect(rejection(postEvent({ text: 'x' }, { cid: undefined, operation: 'update' }))).toMatchObject({
      reason: 'missing_cid',
    });
    const del = toRows(postEvent({}, { cid: undefined, record: undefined, operation: 'delete' }));
    expect(del.ok && del.rows.map((r) => r.table)).toEqual(['tombstones']);
  });

  it('a rejected update produces no tombstone either', () => {
    const r = toRows(postEvent({ text: 'a'.repeat(4000) }, { operation: 'update' }));
    expect(r).toMatchObject({ ok: false, reason: 'text_too_long' });
  });

  it('bad elements inside optional fields are dropped, the post kept', () => {
    const row = post({
      text: 'ok',
      langs: ['en', 5, null, '', 'de'],
      tags: 'not-an-array',
      facets: [
        null,
        'x',
        { features: 'no' },
        { features: [null, 1, { $type: 'app.bsky.richtext.facet#mention', did: 'not-a-did' }] },
        {
          features: [
            { $type: 'app.bsky.richtext.facet#mention', did: B },
            { $type: 'app.bsky.richtext.facet#link', uri: 7 },
          ],
        },
        {
          features: [
            { $type: 'app.bsky.richtext.facet#tag', tag: { x: 1 } },
            { $type: 'app.bsky.richtext.facet#tag', tag: 'ok' },
          ],
        },
        {
          features: [
            { $type: 'app.bsky.richtext.facet#link', uri: 'https://a.example' },
            { $type: 'unknown#thing', uri: 'https://b' },
          ],
        },
      ],
      reply: { root: { uri: 5 }, parent: 'x' },
      embed: { $type: 'app.bsky.embed.record', record: { uri: 'https://not-at-uri' } },
      labels: { values: [{ val: 'porn' }, { val: 3 }, 'x', null] },
    });
    expect(row).toMatchObject({
      text: 'ok',
      langs: ['en', 'de'],
      tags: ['ok'],
      mentions: [B],
      links: ['https://a.example'],
      reply_root_uri: null,
      reply_parent_uri: null,
      embed_kind: 'record',
      quoted_uri: null,
      labels: ['porn'],
    });
  });

  it('malformed or unknown embeds give no embed kind', () => {
    for (const embed of [null, 'x', [], { $type: 'app.bsky.embed.unknown' }, { images: [] }]) {
      expect(post({ embed }).embed_kind).toBeNull();
    }
    expect(post({ embed: { $type: 'app.bsky.embed.external', external: 'x' } })).toMatchObject({
      embed_kind: 'external',
      external_uri: null,
    });
    expect(
      post({
        embed: { $type: 'app.bsky.embed.recordWithMedia', media: { $type: 'app.bsky.embed.images', images: [] } },
      }),
    ).toMatchObject({ embed_kind: 'recordWithMedia', quoted_uri: null, external_uri: null });
  });

  it('non-post collections give no rows, whatever their operation', () => {
    for (const operation of ['create', 'update', 'delete'] as const) {
      const r = toRows(postEvent({ $type: 'app.bsky.feed.like' }, { collection: 'app.bsky.feed.like', operation }));
      expect(r).toEqual({ ok: true, rows: [] });
    }
  });
});
