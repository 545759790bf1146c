// atproto identifiers with the real shapes: did:plc (24 base32 chars), TIDs (13 sortable-base32 chars: 53-bit µs
// timestamp + 10-bit clock id), CIDv1 sha-256 in base32 (`bafyrei…` for dag-cbor records, `bafkrei…` for raw
// blobs, 59 chars). Built straight from PRNG output, no hashing of real bytes: they only need to look right.

import type { Rng } from './prng';

// Globals bound once: under jest's vm context every global lookup (Math, JSON, Date) is ~100× slower.
const { floor } = Math;

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const B32_SORT = '234567abcdefghijklmnopqrstuvwxyz';

/** 24 base32 characters, as in did:plc identifiers. */
export function plcDid(rng: Rng): string {
  let s = 'did:plc:';
  for (let k = 0; k < 4; k++) {
    // 30 bits → 6 characters.
    let v = rng.u32() >>> 2;
    for (let c = 0; c < 6; c++) {
      s += B32[v & 31];
      v >>>= 5;
    }
  }
  return s;
}

// 10 bits → 2 sortable-base32 characters, precomputed: a TID is then 6 lookups.
const PAIRS: readonly string[] = Array.from({ length: 1024 }, (_, v) => B32_SORT[v >>> 5] + B32_SORT[v & 31]);
const TWO_30 = 1 << 30;

/** A TID for a timestamp in µs (must be < 2^53) and a clock id in [0, 1024). */
export function tid(timestampUs: number, clockId: number): string {
  const n = floor(timestampUs);
  const hi = floor(n / TWO_30); // ≤ 23 bits: 5 characters
  const lo = n % TWO_30; // 30 bits: 6 characters
  return (
    B32_SORT[(hi >>> 20) & 31] +
    PAIRS[(hi >>> 10) & 1023] +
    PAIRS[hi & 1023] +
    PAIRS[(lo >>> 20) & 1023] +
    PAIRS[(lo >>> 10) & 1023] +
    PAIRS[lo & 1023] +
    PAIRS[clockId & 1023]
  );
}

/**
 * A CIDv1 / sha2-256 string. After the 7-character prefix the next character holds 2 zero prefix bits + 3 hash
 * bits (so it is one of a–h) and the last one 3 hash bits + 2 padding zeros (one of a e i m q u y 4), as in real
 * CIDs.
 */
function cid(prefix: string, rng: Rng): string {
  let s = prefix + B32[rng.u32() & 7];
  for (let k = 0; k < 9; k++) {
    let v = rng.u32() >>> 2;
    const n = k === 8 ? 2 : 6; // 8 × 6 + 2 = 50 characters
    for (let c = 0; c < n; c++) {
      s += B32[v & 31];
      v >>>= 5;
    }
  }
  return s + B32[(rng.u32() & 7) << 2];
}

/** A record CID (dag-cbor): `bafyrei…`, 59 characters. */
export const recordCid = (rng: Rng): string => cid('bafyrei', rng);

/** A blob CID (raw): `bafkrei…`, 59 characters. */
export const blobCid = (rng: Rng): string => cid('bafkrei', rng);

/** Lower-case base36 slug for URLs. */
export function slug(rng: Rng, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[rng.int(36)];
  return s;
}
