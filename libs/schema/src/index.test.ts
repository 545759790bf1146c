// The public entry point.
import * as schema from './index';

describe('@bsky-explorer/schema', () => {
  it('exports the contract, the decoder and the normaliser', () => {
    expect(Object.keys(schema.TABLES)).toEqual(['posts', 'tombstones', 'accounts', 'identities']);
    expect(typeof schema.decodeEvent).toBe('function');
    expect(typeof schema.toRows).toBe('function');
    expect(schema.postUri('did:plc:x', 'r')).toBe('at://did:plc:x/app.bsky.feed.post/r');
  });

  it('has unique snake_case reject reasons (they are metric label values)', () => {
    expect(new Set(schema.REJECT_REASONS).size).toBe(schema.REJECT_REASONS.length);
    for (const r of schema.REJECT_REASONS) expect(r).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
  });

  it('decodes and normalises a raw message in two calls', () => {
    const raw =
      '{"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"rev":"r1","operation":"delete","collection":"app.bsky.feed.post","rkey":"k"}}';
    const d = schema.decodeEvent(raw);
    expect(d.ok && schema.toRows(d.event)).toEqual({
      ok: true,
      rows: [
        {
          table: 'tombstones',
          row: {
            uri: 'at://did:plc:x/app.bsky.feed.post/k',
            did: 'did:plc:x',
            rkey: 'k',
            rev: 'r1',
            kind: 'delete',
            indexed_at: 1,
            time_us: 1,
          },
        },
      ],
    });
  });
});
