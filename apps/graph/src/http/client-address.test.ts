import { clientKey, normaliseAddress } from './client-address';

describe('clientKey', () => {
  it('uses the socket address unless proxies are trusted', () => {
    expect(clientKey('10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
    expect(clientKey('::ffff:10.0.0.5', null, 0)).toBe('10.0.0.5');
    expect(clientKey(undefined, null, 0)).toBe('unknown');
  });

  it('takes the address the outermost trusted proxy saw, never a client-written one', () => {
    // Caddy (1 hop) appends the peer it saw; the client forged "6.6.6.6" in front.
    expect(clientKey('172.18.0.1', '6.6.6.6, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientKey('172.18.0.1', '6.6.6.6, 203.0.113.9, 10.0.0.2', 2)).toBe('203.0.113.9');
    // Fewer entries than hops: the socket address stays.
    expect(clientKey('172.18.0.1', '', 1)).toBe('172.18.0.1');
  });

  it('counts IPv6 clients by /64', () => {
    expect(normaliseAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(normaliseAddress('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(normaliseAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(normaliseAddress('::1')).toBe('0:0:0:0::/64');
  });
});
