import { z } from 'zod';
import { type Clock, ERROR_CODES } from '@polycloud/core/spi';

const rate = z.number().min(0).max(1);
export const FaultRatesSchema = z.union([rate, z.record(z.string(), rate)]);

/** Options shared by the storage and compute fault injectors. */
export const FaultInjectionOptionsSchema = z.strictObject({
  /** Seed of the PRNG: the same seed and the same calls give the same faults. Default 1. */
  seed: z.number().int().default(1),
  /** Chance that a call fails with `errorCode` before reaching the adapter: one rate, or per operation name. */
  errorRate: FaultRatesSchema.default(0),
  /** Code of injected errors. Default UNAVAILABLE (retryable). */
  errorCode: z.enum(ERROR_CODES).default('UNAVAILABLE'),
  /** Override the code's default retryability. */
  retryable: z.boolean().optional(),
  /** Added latency per call, ms: fixed, or uniform in [min, max]. Waits on `clock`. */
  latencyMs: z.union([z.number().min(0), z.strictObject({ min: z.number().min(0), max: z.number().min(0) })]).default(0),
  /** Chance that a call hangs for `timeoutMs` (or until aborted), then fails TIMEOUT. */
  timeoutRate: FaultRatesSchema.default(0),
  /** How long a timed-out call hangs, ms. Default 30 000. */
  timeoutMs: z.number().min(0).default(30_000),
  /** Chance that a call reaches the adapter and takes effect, but its answer is lost (UNAVAILABLE). */
  lostResponseRate: FaultRatesSchema.default(0),
  /** Clock for latency and timeouts; default the system clock. */
  clock: z
    .custom<Clock>((v) => v === undefined || (typeof v === 'object' && v !== null && typeof (v as Clock).setTimeout === 'function'), 'expected a Clock')
    .optional(),
});

export type FaultInjectionOptions<Op extends string = string> = Omit<
  z.input<typeof FaultInjectionOptionsSchema>,
  'errorRate' | 'timeoutRate' | 'lostResponseRate'
> & {
  errorRate?: number | Partial<Record<Op, number>>;
  timeoutRate?: number | Partial<Record<Op, number>>;
  lostResponseRate?: number | Partial<Record<Op, number>>;
};

export type ParsedFaultOptions = z.output<typeof FaultInjectionOptionsSchema>;
