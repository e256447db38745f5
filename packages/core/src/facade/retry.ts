import { z } from 'zod';

export const RetryOptionsSchema = z.strictObject({
  /** Attempts in all, across bindings (first try included). */
  maxAttempts: z.number().int().min(1).max(20).default(4),
  /** First back-off delay, ms; doubles each round, with full jitter. */
  baseDelayMs: z.number().min(0).max(60_000).default(25),
  maxDelayMs: z.number().min(0).max(600_000).default(1_000),
});
export type RetryOptions = z.output<typeof RetryOptionsSchema>;

/**
 * "Equal jitter" exponential back-off: half fixed, half drawn from `random` in [0,1),
 * so delays never collapse to 0 and never exceed the cap.
 */
export function backoffDelay(round: number, options: RetryOptions, random: () => number): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, round - 1));
  return cap / 2 + (cap / 2) * random();
}

/** A small seeded PRNG (mulberry32): deterministic jitter for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
