import { InvalidCursorError, decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  const c = { indexedAtUs: 1716638400123456, uri: 'at://did:plc:abc/app.bsky.feed.post/3kxyz' };

  it('round-trips and is opaque base64url', () => {
    const s = encodeCursor(c);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(s)).toEqual(c);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$def'],
    ['padding', encodeCursor(c) + '='],
    ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x10]).toString('base64url')],
    ['wrong version', Buffer.from(`p0\n1\nat://x`).toString('base64url')],
    ['non-numeric time', Buffer.from(`p1\n12a\nat://x`).toString('base64url')],
    ['negative time', Buffer.from(`p1\n-1\nat://x`).toString('base64url')],
    ['unsafe integer', Buffer.from(`p1\n99999999999999999\nat://x`).toString('base64url')],
    ['not an at uri', Buffer.from(`p1\n1\nhttps://x`).toString('base64url')],
    ['extra field', Buffer.from(`p1\n1\nat://x\n2`).toString('base64url')],
    ['sql in uri', Buffer.from(`p1\n1\n' OR 1=1 --`).toString('base64url')],
    ['truncated', encodeCursor(c).slice(0, -3)],
  ])('rejects a %s cursor', (_what, s) => {
    expect(() => decodeCursor(s)).toThrow(InvalidCursorError);
  });
});

describe('cursor sort', () => {
  const c = { indexedAtUs: 1716638400123456, uri: 'at://did:plc:abc/app.bsky.feed.post/3kxyz' };

  it('round-trips for OLDEST and is refused by the other sort with a message naming it', () => {
    expect(decodeCursor(encodeCursor(c, 'OLDEST'), 'OLDEST')).toEqual(c);
    expect(encodeCursor(c, 'OLDEST')).not.toBe(encodeCursor(c));
    expect(() => decodeCursor(encodeCursor(c, 'OLDEST'))).toThrow(/sort: OLDEST/);
    expect(() => decodeCursor(encodeCursor(c), 'OLDEST')).toThrow(/sort: LATEST/);
  });
});
