// The 10 real Jetstream events of fixtures/jetstream-golden-v1.jsonl, decoded and normalised end to end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent } from './decode';
import { toRows, type TableRow } from './normalize';
import { POST_COLUMNS } from './columns';

const FIXTURE = join(__dirname, '../../../fixtures/jetstream-golden-v1.jsonl');
const lines = readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter((l) => l !== '');

function rowsOf(line: string | Buffer): TableRow[] {
  const decoded = decodeEvent(line);
  if (!decoded.ok) throw new Error(`decode failed: ${decoded.reason} ${decoded.detail}`);
  const rows = toRows(decoded.event);
  if (!rows.ok) throw new Error(`toRows failed: ${rows.reason} ${rows.detail}`);
  return rows.rows;
}

describe('golden Jetstream capture', () => {
  it('has 10 events, all of which decode, from strings and from Buffers alike', () => {
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      const fromString = decodeEvent(line);
      const fromBuffer = decodeEvent(Buffer.from(line, 'utf8'));
      expect(fromString.ok).toBe(true);
      expect(fromBuffer).toEqual(fromString);
    }
  });

  it('turns the one post create into exactly this row', () => {
    const rows = rowsOf(lines[1]);
    expect(rows).toEqual([
      {
        table: 'posts',
        row: {
          uri: 'at://did:plc:q235v55g5unth4zjjdpacfdr/app.bsky.feed.post/3mmoojp4cd223',
          cid: 'bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4',
          did: 'did:plc:q235v55g5unth4zjjdpacfdr',
          rkey: '3mmoojp4cd223',
          rev: '3mmoojpaqkn2z',
          text: 'Try RSV for a good time !!',
          created_at: Date.UTC(2026, 4, 25, 14, 23, 28, 757) * 1000,
          indexed_at: 1779719009157119,
          time_us: 1779719009157119,
          langs: ['en'],
          reply_root_uri: 'at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26',
          reply_parent_uri: 'at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26',
          embed_kind: null,
          quoted_uri: null,
          external_uri: null,
          mentions: [],
          tags: [],
          links: [],
          labels: [],
          operation: 'create',
        },
      },
    ]);
    // Every column of the contract is present, and nothing else.
    expect(Object.keys(rows[0].row).sort()).toEqual(POST_COLUMNS.map((c) => c.name).sort());
  });

  it('keeps the post text byte for byte', () => {
    const rows = rowsOf(lines[1]);
    const raw = Buffer.from(lines[1], 'utf8');
    const start = raw.indexOf('"text":"') + '"text":"'.length;
    const end = raw.indexOf('"', start);
    expect(Buffer.from((rows[0].row as { text: string }).text, 'utf8').equals(raw.subarray(start, end))).toBe(true);
  });

  it('produces no rows for likes, reposts, follows, blocks, profiles and other apps', () => {
    const noRows = [0, 2, 3, 4, 5, 6, 9];
    for (const i of noRows) expect({ i, rows: rowsOf(lines[i]) }).toEqual({ i, rows: [] });
    const collections = noRows
      .map((i) => decodeEvent(lines[i]))
      .map((d) => (d.ok && d.event.kind === 'commit' ? d.event.commit.collection : d.ok ? d.event.kind : '?'));
    expect(collections).toEqual([
      'app.bsky.feed.like',
      'app.bsky.feed.repost',
      'app.bsky.graph.follow',
      'app.bsky.actor.profile',
      'org.hypercerts.claim.activity',
      'place.stream.broadcast.origin',
      'app.bsky.graph.block',
    ]);
  });

  it('turns the identity event (it carries no handle) into an identities row with a null handle', () => {
    expect(rowsOf(lines[7])).toEqual([
      {
        table: 'identities',
        row: {
          did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4',
          handle: null,
          indexed_at: 1779719010267528,
          time_us: 1779719010267528,
        },
      },
    ]);
  });

  it('turns the account event into an accounts row', () => {
    expect(rowsOf(lines[8])).toEqual([
      {
        table: 'accounts',
        row: {
          did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4',
          active: true,
          status: null,
          indexed_at: 1779719010272410,
          time_us: 1779719010272410,
        },
      },
    ]);
  });

  it('decodes the identity and account events with their details', () => {
    const identity = decodeEvent(lines[7]);
    const account = decodeEvent(lines[8]);
    expect(identity).toEqual({
      ok: true,
      event: {
        did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4',
        time_us: 1779719010267528,
        kind: 'identity',
        identity: { did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4', seq: 30340180350, time: '2026-05-25T14:23:29.950Z' },
      },
    });
    expect(account).toEqual({
      ok: true,
      event: {
        did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4',
        time_us: 1779719010272410,
        kind: 'account',
        account: {
          did: 'did:plc:g4ut2w5755qxi3fe7mfs72p4',
          active: true,
          seq: 30340180351,
          time: '2026-05-25T14:23:29.950Z',
        },
      },
    });
  });

  it('decodes the non-post delete without a record', () => {
    const d = decodeEvent(lines[5]);
    expect(d).toEqual({
      ok: true,
      event: {
        did: 'did:plc:3xnadku4kemqnycbweqnvgzx',
        time_us: 1779719009153272,
        kind: 'commit',
        commit: {
          rev: '3mmoojpae7c2e',
          operation: 'delete',
          collection: 'org.hypercerts.claim.activity',
          rkey: '3mmontn3gnc2e',
        },
      },
    });
  });
});
