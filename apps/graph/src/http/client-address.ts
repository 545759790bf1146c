import { isIPv6 } from 'node:net';

/**
 * The key rate limits and quotas count a client by: its IP address, taken from X-Forwarded-For only as far as
 * configured proxies vouch for it (each trusted proxy appends the address it saw; anything further left is
 * client-supplied and forgeable). IPv6 addresses count by their /64, the block one subscriber usually holds.
 */
export function clientKey(socketAddress: string | undefined, forwardedFor: string | null, trustedHops: number): string {
  let address = socketAddress ?? 'unknown';
  if (trustedHops > 0 && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    // With n trusted proxies, the n-th entry from the right was written by the outermost one.
    const vouched = hops[hops.length - trustedHops];
    if (vouched) address = vouched;
  }
  return normaliseAddress(address);
}

export function normaliseAddress(address: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return v4mapped[1];
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const fill = address.includes('::') ? Array(8 - left.length - right.length).fill('0') : [];
  return [...left, ...fill, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
