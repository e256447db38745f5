import { parseWithSchema } from '@polycloud/core/spi';
import { z } from 'zod';

const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();
const ms = z.number().int().min(0).max(86_400_000);

/**
 * Options of {@link createRouter}. Every field has a default; the defaults give a
 * failover RTO of at most 1 s (docs/routing.md, "Health and failover").
 */
export const RouterOptionsSchema = z.strictObject({
  /** Seed of the generator behind power-of-two-choices and keyless canary picks. */
  seed: z.number().int().default(0x5eed),
  /** Where the calling process runs, for egress price and distance (a resource's `routing.caller_region` wins). */
  caller: z.strictObject({ region: z.string().min(1).optional(), cloud: z.string().min(1).optional() }).default({}),
  /** Exponents α of the weight product W = static · role · Π x^−α. 0 switches a signal off. */
  exponents: z
    .strictObject({ price: nonNegative.default(1), distance: nonNegative.default(0.5), latency: nonNegative.default(1), errors: nonNegative.default(1) })
    .default({ price: 1, distance: 0.5, latency: 1, errors: 1 }),
  /** A free binding counts as this fraction of the cheapest priced one. */
  priceFloorRatio: z.number().positive().max(1).default(0.01),
  distanceScaleKm: positive.default(1000),
  /** Extra region coordinates `[latitude, longitude]` (e.g. on-prem or emulator regions). */
  regions: z.record(z.string().min(1), z.tuple([z.number().min(-90).max(90), z.number().min(-180).max(180)])).default({}),
  /** Role factor multiplied into the weight (tiers already order primary before standby). */
  roleWeights: z.strictObject({ primary: positive.default(1), standby: positive.default(1) }).default({ primary: 1, standby: 1 }),
  /** The reference operation prices are weighed for. */
  workload: z
    .strictObject({
      objectBytes: positive.default(1_048_576),
      retentionMonths: positive.default(1),
      jobHours: positive.default(1),
    })
    .default({ objectBytes: 1_048_576, retentionMonths: 1, jobHours: 1 }),
  /** Whether sticky (rendezvous) picks also use latency, load and errors. Off: keys do not move on latency noise. */
  stickyLoadSignals: z.boolean().default(false),
  tiers: z.strictObject({ overprovisioning: z.number().min(1).max(10).default(1.4) }).default({ overprovisioning: 1.4 }),
  /** Failback ramp: a binding that comes back gets weight max(minFactor, t/window)^(1/aggression). */
  slowStart: z
    .strictObject({ windowMs: ms.default(10_000), minFactor: z.number().min(0.001).max(1).default(0.1), aggression: positive.default(1) })
    .default({ windowMs: 10_000, minFactor: 0.1, aggression: 1 }),
  /** Passive outlier detection: consecutive failures eject for base · 2^(n−1), capped. */
  outlier: z
    .strictObject({
      consecutiveFailures: z.number().int().min(1).max(1000).default(3),
      baseEjectionMs: ms.default(1_000),
      maxEjectionMs: ms.default(60_000),
      maxEjectedFraction: z.number().min(0).max(1).default(0.5),
    })
    .default({ consecutiveFailures: 3, baseEjectionMs: 1_000, maxEjectionMs: 60_000, maxEjectedFraction: 0.5 }),
  /** Circuit breaker on the failure ratio of the last `windowSize` attempts. */
  circuit: z
    .strictObject({
      windowSize: z.number().int().min(2).max(1000).default(20),
      minRequests: z.number().int().min(1).max(1000).default(10),
      failureRatio: z.number().min(0).max(1).default(0.5),
      openMs: ms.default(1_000),
      maxOpenMs: ms.default(30_000),
      halfOpenTrials: z.number().int().min(1).max(100).default(1),
    })
    .default({ windowSize: 20, minRequests: 10, failureRatio: 0.5, openMs: 1_000, maxOpenMs: 30_000, halfOpenTrials: 1 }),
  /** Signal smoothing: peak-EWMA latency and error-rate decay time. */
  smoothing: z
    .strictObject({
      decayMs: positive.default(10_000),
      maxSampleWeight: z.number().min(0.01).max(1).default(0.1),
      latencyFloorMs: positive.default(1),
      errorEpsilon: positive.default(0.05),
    })
    .default({ decayMs: 10_000, maxSampleWeight: 0.1, latencyFloorMs: 1, errorEpsilon: 0.05 }),
  /**
   * Active probes; a resource's `routing.health_check` overrides interval and timeout.
   * A probe's deadline adapts: at least `latencyMultiplier` × the binding's observed
   * latency (peak-EWMA of answered calls and probes), at most `maxTimeoutMs`; and when
   * `inBand` is on, a probe that is late while real calls keep answering is not a
   * failure: the binding is busy, not dead (docs/routing.md, "Slow is not dead").
   */
  probes: z
    .strictObject({
      enabled: z.boolean().default(true),
      intervalMs: z.number().int().min(10).max(3_600_000).default(250),
      timeoutMs: z.number().int().min(5).max(60_000).default(500),
      unhealthyThreshold: z.number().int().min(1).max(100).default(1),
      healthyThreshold: z.number().int().min(1).max(100).default(2),
      /** k: a probe gets at least k × the observed latency before it counts as late. 0: the configured timeout only. */
      latencyMultiplier: z.number().finite().min(0).max(100).default(2),
      /** Cap of the adaptive deadline and of the wait for a late probe while calls answer (at least the configured timeout). */
      maxTimeoutMs: z.number().int().min(5).max(600_000).default(5_000),
      /** A late probe while real calls answered within the deadline is weak evidence: not counted as a failure. */
      inBand: z.boolean().default(true),
    })
    .default({
      enabled: true,
      intervalMs: 250,
      timeoutMs: 500,
      unhealthyThreshold: 1,
      healthyThreshold: 2,
      latencyMultiplier: 2,
      maxTimeoutMs: 5_000,
      inBand: true,
    }),
  /** 'route' events: the share of decisions emitted (deterministic), and whether they carry the explanation. */
  events: z
    .strictObject({ sampleRate: z.number().min(0).max(1).default(0.01), explain: z.boolean().default(false) })
    .default({ sampleRate: 0.01, explain: false }),
});

export type RouterOptions = z.input<typeof RouterOptionsSchema>;
export type ResolvedRouterOptions = z.output<typeof RouterOptionsSchema>;

/** Validates router options: CONFIG_INVALID naming each bad path. */
export function parseRouterOptions(options: unknown): ResolvedRouterOptions {
  return parseWithSchema(RouterOptionsSchema, options ?? {}, 'invalid router options');
}
