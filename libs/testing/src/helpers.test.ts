import { toRows, validateEvent } from '@bsky-explorer/schema';
import { postRow, POST_ROW_T0 } from './post-row';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value, retrying a probe that throws', async () => {
    let calls = 0;
    const v = await waitFor(
      'the third call',
      () => {
        calls++;
        if (calls === 1) throw new Error('not up yet');
        return calls >= 3 ? { calls } : undefined;
      },
      1000,
      1,
    );
    expect(v).toEqual({ calls: 3 });
  });

  it('names what it waited for and the last error after the deadline', async () => {
    await expect(
      waitFor(
        'a miracle',
        () => {
          throw new Error('no');
        },
        30,
        5,
      ),
    ).rejects.toThrow('timed out waiting for a miracle (last error: Error: no)');
  });
});

describe('postRow', () => {
  it('builds distinct, valid rows, the same ones the decoder would make from the matching event', () => {
    const a = postRow(1);
    const b = postRow(2, { did: 'did:plc:other', text: 'hi' });
    expect(a.uri).toBe(`at://did:plc:author1/app.bsky.feed.post/${a.rkey}`);
    expect(b.uri).toBe(`at://did:plc:other/app.bsky.feed.post/${b.rkey}`);
    expect(a.indexed_at).toBe(POST_ROW_T0 + 1_000_000);
    const event = validateEvent({
      did: a.did,
      time_us: a.time_us,
      kind: 'commit',
      commit: {
        rev: '3l2abcdefghij',
        operation: 'create',
        collection: 'app.bsky.feed.post',
        rkey: a.rkey,
        cid: 'bafyreicl7rzkxdrm4zz2ehbx52kuk3mvfow6p3gzfys72r5grvskxoswy4',
        record: {
          $type: 'app.bsky.feed.post',
          text: a.text,
          langs: ['en'],
          createdAt: new Date((a.created_at ?? 0) / 1000).toISOString(),
        },
      },
    });
    if (!event.ok) throw new Error(event.reason);
    const rows = toRows(event.event);
    if (!rows.ok) throw new Error(rows.reason);
    expect(Object.keys(rows.rows[0].row).sort()).toEqual(Object.keys(a).sort());
  });
});
