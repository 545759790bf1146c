import type { TableRow } from '@bsky-explorer/schema';
import { postRow } from '@bsky-explorer/testing';
import { ENTRY_FIELDS, LinesWriter, StreamEntryError, decodeEntry, flushPayload, rowsOfPayload } from './stream-entry';

const post = (n: number, text = `post number ${n}`): TableRow => ({ table: 'posts', row: postRow(n, { text }) });

/** One entry as XREADGROUP returns it: field/value pairs as Buffers. */
function entry(id: string, events: TableRow[][], skip = '') {
  const lines = new LinesWriter();
  for (const rows of events) lines.add(rows);
  const F = ENTRY_FIELDS;
  const fields = [F.rows, lines.bytes(), F.skip, skip, F.rawBytes, '100', F.rowCount, '1', F.events, '1'];
  return decodeEntry(
    id,
    fields.map((f) => Buffer.from(f)),
  );
}

describe('stream entry', () => {
  it('round-trips rows of every table through entries, a payload and the replay skips', () => {
    const t = postRow(0).indexed_at;
    const p2 = postRow(2);
    const tombstone: TableRow = {
      table: 'tombstones',
      row: { uri: p2.uri, did: p2.did, rkey: p2.rkey, rev: p2.rev, kind: 'supersede', indexed_at: t, time_us: t },
    };
    const account: TableRow = {
      table: 'accounts',
      row: { did: 'did:plc:a', active: false, status: null, indexed_at: t, time_us: t },
    };
    const identity: TableRow = {
      table: 'identities',
      row: { did: 'did:plc:a', handle: 'a.test', indexed_at: t, time_us: t },
    };
    const odd = post(1, 'emoji 🌍 and\nnewline "quoted" \\ 東京 \u2028');
    const first = entry('1-0', [[odd], [post(2), tombstone], [account]], '1');
    const second = entry('2-0', [[identity], [post(3), tombstone]]);
    // Line 1 of the first entry was a replay (the append script said so): left out.
    expect(rowsOfPayload(flushPayload([first, second]))).toEqual([odd, account, identity, post(3), tombstone]);
  });

  it('fails loudly on an entry of the previous format and on a row of another column list', () => {
    const old = ['j', JSON.stringify([post(1)]), 's', '', 'n', '1', 'c', '1', 'e', '1'].map((f) => Buffer.from(f));
    expect(() => decodeEntry('1-0', old)).toThrow(StreamEntryError);
    expect(() => decodeEntry('1-0', old)).toThrow(/has no 'p' field/);
    const short = decodeEntry(
      '2-0',
      [ENTRY_FIELDS.rows, '[[0,"at://x"]]'].map((f) => Buffer.from(f)),
    );
    expect(() => rowsOfPayload(flushPayload([short]))).toThrow(/2 values with table code 0/);
    const unknown = decodeEntry(
      '3-0',
      [ENTRY_FIELDS.rows, '[[9,"x"]]'].map((f) => Buffer.from(f)),
    );
    expect(() => rowsOfPayload(flushPayload([unknown]))).toThrow(StreamEntryError);
  });
});
