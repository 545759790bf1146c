import { createHmac, timingSafeEqual } from 'node:crypto';

// Export links are capabilities: HMAC-SHA256(secret, "<id>.<expires>") in hex, checked in constant time.

export function signExport(secret: string, id: string, expiresUnix: number): string {
  return createHmac('sha256', secret).update(`${id}.${expiresUnix}`).digest('hex');
}

export function verifyExportSignature(secret: string, id: string, expiresUnix: number, signature: string): boolean {
  const expected = Buffer.from(signExport(secret, id, expiresUnix), 'hex');
  if (!/^[0-9a-f]+$/i.test(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  // timingSafeEqual throws on different lengths; the length of a valid signature is public anyway.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
