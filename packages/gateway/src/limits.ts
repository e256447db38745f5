import type { ResolvedGatewayConfig } from './config.js';

/** Per-principal request rate limiting (a token bucket per principal id). */
export interface RateLimiter {
  /** Takes one request's token for `principalId`: false when it is over its rate. */
  take(principalId: string): boolean;
  /** Whole seconds until `principalId` has a token again (0 when it has one now); for `Retry-After`. */
  retryAfterSeconds(principalId: string): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** At most this many principals are tracked; the least recently seen are forgotten first (they come back full). */
const MAX_TRACKED = 10_000;

/**
 * A token bucket per principal: `maxRequestsPerSecond` tokens a second, up to `burst`
 * (default: the rate, at least 1). Without `maxRequestsPerSecond` every request passes.
 */
export function createRateLimiter(limits: ResolvedGatewayConfig['limits'], now: () => number = () => performance.now()): RateLimiter {
  const rate = limits.maxRequestsPerSecond;
  if (rate === undefined) return { take: () => true, retryAfterSeconds: () => 0 };
  const burst = limits.burst ?? Math.max(1, Math.floor(rate));
  const buckets = new Map<string, Bucket>();
  const refill = (id: string): Bucket => {
    const t = now();
    let b = buckets.get(id);
    if (!b) {
      b = { tokens: burst, at: t };
      if (buckets.size >= MAX_TRACKED) buckets.delete(buckets.keys().next().value!);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
      b.at = t;
      buckets.delete(id);
    }
    buckets.set(id, b);
    return b;
  };
  return {
    take(id) {
      const b = refill(id);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    retryAfterSeconds(id) {
      const b = refill(id);
      return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / rate));
    },
  };
}
