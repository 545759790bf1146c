import { decodeEvent, DEFAULT_MAX_BYTES, exceedsDepth, validateEvent } from './decode';
import type { RejectReason } from './reasons';

const DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa';
const CID = 'bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4';

const commit = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  rev: '3mmoojpaqkn2z',
  operation: 'create',
  collection: 'app.bsky.feed.post',
  rkey: '3mmoojp4cd223',
  record: { $type: 'app.bsky.feed.post', text: 'hello', createdAt: '2026-05-25T14:23:28.757Z' },
  cid: CID,
  ...over,
});
const event = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  did: DID,
  time_us: 1779719009157119,
  kind: 'commit',
  commit: commit(),
  ...over,
});
const json = (v: unknown): string => JSON.stringify(v);

function expectReject(raw: string | Buffer | Uint8Array, reason: RejectReason): void {
  const r = decodeEvent(raw);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.reason).toBe(reason);
    expect(r.detail.length).toBeGreaterThan(0);
    expect(r.detail.length).toBeLessThan(300);
  }
}

describe('decodeEvent: accepts', () => {
  it('a post create, keeping only the known fields', () => {
    const r = decodeEvent(json({ ...event(), extra: { junk: 1 } }));
    expect(r).toEqual({
      ok: true,
      event: { did: DID, time_us: 1779719009157119, kind: 'commit', commit: commit() },
    });
  });

  it('a string, a Buffer and a plain Uint8Array alike', () => {
    const s = json(event());
    const fromString = decodeEvent(s);
    expect(decodeEvent(Buffer.from(s))).toEqual(fromString);
    expect(decodeEvent(new TextEncoder().encode(s))).toEqual(fromString);
    // A view into a larger buffer decodes only its own bytes.
    const big = Buffer.from(`xxxx${s}yyyy`);
    expect(decodeEvent(big.subarray(4, 4 + Buffer.byteLength(s)))).toEqual(fromString);
  });

  it('the Jetstream v2 per-host cursor', () => {
    const r = decodeEvent(json(event({ cursor: 123456789 })));
    expect(r.ok && r.event.cursor).toBe(123456789);
    const v1 = decodeEvent(json(event()));
    expect(v1.ok && 'cursor' in v1.event).toBe(false);
  });

  it('update and delete operations; a delete needs no record and never carries one', () => {
    const upd = decodeEvent(json(event({ commit: commit({ operation: 'update' }) })));
    expect(upd.ok && upd.event.kind === 'commit' && upd.event.commit.operation).toBe('update');
    const del = decodeEvent(
      json(event({ commit: commit({ operation: 'delete', record: undefined, cid: undefined }) })),
    );
    expect(del).toEqual({
      ok: true,
      event: {
        did: DID,
        time_us: 1779719009157119,
        kind: 'commit',
        commit: { rev: '3mmoojpaqkn2z', operation: 'delete', collection: 'app.bsky.feed.post', rkey: '3mmoojp4cd223' },
      },
    });
    const delWithRecord = decodeEvent(json(event({ commit: commit({ operation: 'delete' }) })));
    expect(
      delWithRecord.ok && delWithRecord.event.kind === 'commit' && delWithRecord.event.commit.record,
    ).toBeUndefined();
  });

  it('identity and account events, with handle and status', () => {
    expect(
      decodeEvent(json({ did: DID, time_us: 5, kind: 'identity', identity: { did: DID, handle: 'a.test', seq: 3 } })),
    ).toEqual({
      ok: true,
      event: { did: DID, time_us: 5, kind: 'identity', identity: { did: DID, handle: 'a.test', seq: 3 } },
    });
    expect(
      decodeEvent(json({ did: DID, time_us: 5, kind: 'account', account: { active: false, status: 'takendown' } })),
    ).toEqual({
      ok: true,
      event: { did: DID, time_us: 5, kind: 'account', account: { did: DID, active: false, status: 'takendown' } },
    });
  });

  it('did:web DIDs', () => {
    expect(decodeEvent(json(event({ did: 'did:web:example.com' }))).ok).toBe(true);
  });

  it('a message exactly at the size limit, and a larger one when configured', () => {
    const base = json(event());
    const padded = base.slice(0, -1) + ',"pad":"' + 'x'.repeat(DEFAULT_MAX_BYTES - base.length - 9) + '"}';
    expect(Buffer.byteLength(padded)).toBe(DEFAULT_MAX_BYTES);
    expect(decodeEvent(padded).ok).toBe(true);
    const bigger = padded.slice(0, -2) + 'x"}';
    expect(decodeEvent(bigger).ok).toBe(false);
    expect(decodeEvent(bigger, { maxBytes: 2 * DEFAULT_MAX_BYTES }).ok).toBe(true);
  });
});

describe('decodeEvent: rejects', () => {
  it('invalid JSON', () => {
    expectReject('{"did":', 'invalid_json');
    expectReject('', 'invalid_json');
    expectReject('not json', 'invalid_json');
    expectReject(json(event()) + 'x', 'invalid_json');
  });

  it('JSON that is not an object', () => {
    for (const v of ['null', '42', '"str"', '[]', 'true']) expectReject(v, 'not_an_object');
  });

  it('a non-string, non-bytes argument without throwing', () => {
    const r = decodeEvent(42 as unknown as string);
    expect(r).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('a missing or mistyped did', () => {
    expectReject(json(event({ did: undefined })), 'missing_did');
    for (const did of [42, null, '', 'plc:abc', 'did:', 'did:plc:', 'did:PLC:abc', ['did:plc:a'], 'did:plc:a b']) {
      expectReject(json(event({ did })), 'invalid_did');
    }
  });

  it('a missing or mistyped time_us', () => {
    expectReject(json(event({ time_us: undefined })), 'missing_time_us');
    for (const t of ['1779719009157119', 1.5, -1, 0, null, 2 ** 60, true]) {
      expectReject(json(event({ time_us: t })), 'invalid_time_us');
    }
  });

  it('a missing, mistyped or unknown kind', () => {
    expectReject(json(event({ kind: undefined })), 'missing_kind');
    expectReject(json(event({ kind: 7 })), 'invalid_kind');
    expectReject(json(event({ kind: 'handle' })), 'unknown_kind');
    expectReject(json(event({ kind: 'Commit' })), 'unknown_kind');
  });

  it('a mistyped cursor', () => {
    for (const c of ['12', -1, 1.5, null]) expectReject(json(event({ cursor: c })), 'invalid_cursor');
  });

  it('a commit event without a valid commit', () => {
    expectReject(json(event({ commit: undefined })), 'missing_commit');
    expectReject(json(event({ commit: 'x' })), 'invalid_commit');
    expectReject(json(event({ commit: [] })), 'invalid_commit');
    expectReject(json(event({ commit: commit({ rev: 5 }) })), 'invalid_rev');
    expectReject(json(event({ commit: commit({ rev: '' }) })), 'invalid_rev');
    expectReject(json(event({ commit: commit({ operation: 'upsert' }) })), 'invalid_operation');
    expectReject(json(event({ commit: commit({ operation: undefined }) })), 'invalid_operation');
    expectReject(json(event({ commit: commit({ collection: 'nocollection' }) })), 'invalid_collection');
    expectReject(json(event({ commit: commit({ collection: 3 }) })), 'invalid_collection');
    expectReject(json(event({ commit: commit({ rkey: '' }) })), 'invalid_rkey');
    expectReject(json(event({ commit: commit({ rkey: '..' }) })), 'invalid_rkey');
    expectReject(json(event({ commit: commit({ rkey: 'a/b' }) })), 'invalid_rkey');
    expectReject(json(event({ commit: commit({ cid: 12 }) })), 'invalid_cid');
    expectReject(json(event({ commit: commit({ cid: 'not a cid!' }) })), 'invalid_cid');
  });

  it('a create or update without a record, or with a non-object record', () => {
    expectReject(json(event({ commit: commit({ record: undefined }) })), 'missing_record');
    expectReject(json(event({ commit: commit({ operation: 'update', record: null }) })), 'missing_record');
    expectReject(json(event({ commit: commit({ record: 'text' }) })), 'invalid_record');
    expectReject(json(event({ commit: commit({ record: [1] }) })), 'invalid_record');
  });

  it('identity and account events with bad bodies', () => {
    const base = { did: DID, time_us: 5 };
    expectReject(json({ ...base, kind: 'identity' }), 'missing_identity');
    expectReject(json({ ...base, kind: 'identity', identity: 1 }), 'invalid_identity');
    expectReject(json({ ...base, kind: 'identity', identity: { handle: 5 } }), 'invalid_identity');
    expectReject(json({ ...base, kind: 'identity', identity: { did: 'did:plc:other' } }), 'did_mismatch');
    expectReject(json({ ...base, kind: 'account' }), 'missing_account');
    expectReject(json({ ...base, kind: 'account', account: { active: 'false' } }), 'invalid_account');
    expectReject(json({ ...base, kind: 'account', account: {} }), 'invalid_account');
    expectReject(json({ ...base, kind: 'account', account: { active: true, status: 4 } }), 'invalid_account');
    expectReject(json({ ...base, kind: 'account', account: { active: true, seq: '4' } }), 'invalid_account');
    expectReject(json({ ...base, kind: 'account', account: { active: true, did: 'did:plc:x' } }), 'did_mismatch');
  });

  it('a 5 MB message, as a string and as bytes, before parsing it', () => {
    const huge = json(
      event({ commit: commit({ record: { $type: 'app.bsky.feed.post', text: 'x'.repeat(5 * 1024 * 1024) } }) }),
    );
    expectReject(huge, 'too_large');
    expectReject(Buffer.from(huge), 'too_large');
    // Multi-byte characters count as bytes, not UTF-16 units: 400k × 3 bytes is over 1 MiB.
    expectReject(json(event({ pad: '語'.repeat(400_000) })), 'too_large');
    expect(decodeEvent(json(event({ pad: '語'.repeat(300_000) }))).ok).toBe(true);
  });

  it('a configured smaller limit', () => {
    const r = decodeEvent(json(event()), { maxBytes: 100 });
    expect(r).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('deeply nested JSON without overflowing the stack', () => {
    expectReject('['.repeat(100_000) + ']'.repeat(100_000), 'too_deep');
    expectReject('['.repeat(100_000), 'too_deep');
    expectReject('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), 'too_deep');
    expectReject(Buffer.from('['.repeat(100_000)), 'too_deep');
    // Nested inside an otherwise valid event.
    const nested = json(event({ commit: commit({ record: { $type: 'app.bsky.feed.post', text: 'x', deep: 0 } }) }));
    expectReject(nested.replace('0', '['.repeat(1000) + ']'.repeat(1000)), 'too_deep');
  });

  it('invalid UTF-8 bytes instead of substituting U+FFFD', () => {
    const good = Buffer.from(json(event()));
    const bad = Buffer.concat([good.subarray(0, 20), Buffer.from([0xff, 0xfe]), good.subarray(20)]);
    expectReject(bad, 'invalid_utf8');
  });
});

describe('exceedsDepth', () => {
  it('counts brackets outside strings only, honouring escapes', () => {
    expect(exceedsDepth('[[[]]]', 3)).toBe(false);
    expect(exceedsDepth('[[[[]]]]', 3)).toBe(true);
    expect(exceedsDepth(json({ s: '[[[[[[[[[[' }), 2)).toBe(false);
    expect(exceedsDepth(json({ s: 'a\\"[[[[[' }), 2)).toBe(false);
    expect(exceedsDepth(json({ s: 'a\\', t: [[[[1]]]] }), 3)).toBe(true);
    expect(exceedsDepth(json({ s: '\\\\"' }), 1)).toBe(false);
    expect(exceedsDepth('"unterminated [[[[', 1)).toBe(false);
  });

  it('accepts a realistic post event at the default depth', () => {
    const deepPost = event({
      commit: commit({
        record: {
          $type: 'app.bsky.feed.post',
          text: 'x',
          embed: {
            $type: 'app.bsky.embed.recordWithMedia',
            media: { $type: 'app.bsky.embed.images', images: [{ image: { ref: { $link: 'b' } } }] },
          },
        },
      }),
    });
    expect(decodeEvent(json(deepPost)).ok).toBe(true);
  });
});

describe('validateEvent', () => {
  it('validates an already-parsed value the same way', () => {
    expect(validateEvent(event())).toEqual(decodeEvent(json(event())));
    expect(validateEvent(undefined)).toMatchObject({ ok: false, reason: 'not_an_object' });
  });
});
