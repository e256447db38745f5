/**
 * mulberry32 (the algorithm of core's `seededRandom`) as a class with int32 state,
 * so the hot path draws numbers without allocating. Deterministic for a seed.
 */
export class Prng {
  #a: number;
  constructor(seed: number) {
    this.#a = seed | 0;
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) | 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
