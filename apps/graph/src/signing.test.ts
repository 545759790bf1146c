import { createHmac } from 'node:crypto';
import { signExport, verifyExportSignature } from './signing';

describe('export signatures', () => {
  const secret = 'a-test-secret-that-is-long-enough';
  it('is hex HMAC-SHA256 of "id.expires"', () => {
    const expected = createHmac('sha256', secret).update('abc.1700000000').digest('hex');
    expect(signExport(secret, 'abc', 1700000000)).toBe(expected);
    expect(verifyExportSignature(secret, 'abc', 1700000000, expected)).toBe(true);
    expect(verifyExportSignature(secret, 'abc', 1700000000, expected.toUpperCase())).toBe(true);
  });

  it('rejects tampering of id, expiry, signature, secret and malformed signatures', () => {
    const sig = signExport(secret, 'abc', 1700000000);
    expect(verifyExportSignature(secret, 'abd', 1700000000, sig)).toBe(false);
    expect(verifyExportSignature(secret, 'abc', 1700000001, sig)).toBe(false);
    expect(verifyExportSignature('other-secret', 'abc', 1700000000, sig)).toBe(false);
    const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
    expect(verifyExportSignature(secret, 'abc', 1700000000, flipped)).toBe(false);
    for (const bad of ['', sig.slice(0, -2), sig + '00', 'zz' + sig.slice(2), 'not hex at all']) {
      expect(verifyExportSignature(secret, 'abc', 1700000000, bad)).toBe(false);
    }
  });
});
