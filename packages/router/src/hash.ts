/**
 * Fast deterministic hashing for placement: two 32-bit FNV-1a-style lanes over a
 * string's UTF-16 code units, each finished with murmur3's fmix32, combined into a
 * 53-bit value. Pure arithmetic on Math.imul: no allocation, the same on every platform.
 */

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Lane A and lane B of a string's hash under `seed`. Writes into `out[0..1]`. */
export function hashString(s: string, seed: number, out: Uint32Array): void {
  let a = (0x811c9dc5 ^ seed) >>> 0;
  let b = (0x9e3779b9 ^ Math.imul(seed, 0x27d4eb2f)) >>> 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  out[0] = fmix32(a ^ s.length);
  out[1] = fmix32(b + Math.imul(a, 0x9e3779b1));
}

const TWO_POW_21 = 2 ** 21;
const TWO_POW_53 = 2 ** 53;

/**
 * u = h(key ‖ binding) in (0, 1), from the key's lanes and the binding's lanes:
 * never 0 or 1, so −ln(u) is finite and positive.
 */
export function unitHash(k0: number, k1: number, b0: number, b1: number): number {
  const x = fmix32((k0 ^ b0) + Math.imul(k1 ^ b1, 0x9e3779b1));
  const y = fmix32((k1 ^ b1) ^ Math.imul(x, 0x85ebca6b));
  return (x * TWO_POW_21 + (y >>> 11) + 0.5) / TWO_POW_53;
}

/** A 53-bit hash of one string as a non-negative integer (for canary buckets and sampling). */
export function hash53(s: string, seed: number, scratch: Uint32Array): number {
  hashString(s, seed, scratch);
  return scratch[0]! * TWO_POW_21 + (scratch[1]! >>> 11);
}

/** A 32-bit seed from a string (salts, binding ids). */
export function seedOf(s: string): number {
  const out = new Uint32Array(2);
  hashString(s, 0x2545f491, out);
  return out[0]!;
}
