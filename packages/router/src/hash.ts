/**
 * Fast deterministic hashing for placement: two 32-bit lanes over a string's UTF-16
 * code units, taken two at a time (multiply–xorshift, FNV and murmur2 primes), each
 * finished with murmur3's fmix32; pairs of lanes combine into 53-bit values. Pure
 * int32 arithmetic on Math.imul: no allocation, the same result on every platform.
 */

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Lane A and lane B (int32) of a string's hash under `seed`, written into `out[0..1]`. */
export function hashString(s: string, seed: number, out: Int32Array): void {
  let a = 0x811c9dc5 ^ seed;
  let b = 0x9e3779b9 ^ Math.imul(seed, 0x27d4eb2f);
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ w, 0x01000193);
    a ^= a >>> 15;
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 13;
  }
  if (i < n) {
    const w = s.charCodeAt(i);
    a = Math.imul(a ^ w, 0x01000193);
    a ^= a >>> 15;
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 13;
  }
  out[0] = fmix32(a ^ n);
  out[1] = fmix32(b + Math.imul(a, 0x9e3779b1));
}

const TWO_POW_21 = 2 ** 21;
const TWO_POW_53 = 2 ** 53;

/**
 * u = h(key ‖ binding) in (0, 1), from the key's lanes and the binding's lanes:
 * 53 bits, never 0 or 1, so −ln(u) is finite and positive.
 */
export function unitHash(k0: number, k1: number, b0: number, b1: number): number {
  // t is a non-linear function of lane B, so lane A and lane B never cancel out even
  // when the caller's two lanes are correlated.
  const t = fmix32(k1 ^ b1);
  const x = fmix32((k0 ^ b0) + Math.imul(t, 0x9e3779b1));
  const y = t ^ Math.imul(x, 0x85ebca6b);
  return ((x >>> 0) * TWO_POW_21 + (y >>> 11) + 0.5) / TWO_POW_53;
}

/** A 53-bit hash of one string as a non-negative integer (canary buckets, ramps). */
export function hash53(s: string, seed: number, scratch: Int32Array): number {
  hashString(s, seed, scratch);
  return (scratch[0]! >>> 0) * TWO_POW_21 + (scratch[1]! >>> 11);
}

/** A non-negative 31-bit seed from a string (salts, binding ids). */
export function seedOf(s: string): number {
  const out = new Int32Array(2);
  hashString(s, 0x2545f491, out);
  return out[0]! & 0x7fffffff;
}
