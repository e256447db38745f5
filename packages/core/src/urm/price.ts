import { z } from 'zod';

const nonNegative = z.number().finite().nonnegative();
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');

/**
 * One window of a time-of-day price schedule: between `from` and `to` (wrapping past
 * midnight when `to` <= `from`), in UTC unless `utc_offset_minutes` is given, every
 * price of the binding is multiplied by `multiplier` (0.4 = 60% off at night).
 */
export const PriceWindowSchema = z.strictObject({
  from: clock,
  to: clock,
  multiplier: z.number().finite().positive(),
  utc_offset_minutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .optional(),
});

/**
 * Price data for routing. Units are whatever currency you like, as long as every
 * binding of a resource uses the same one: the routing weight is unit-invariant.
 */
export const PriceSchema = z.strictObject({
  currency: z.string().min(1).optional(),
  /** Storage per GB-month. */
  storage_gb_month: nonNegative.optional(),
  /** Egress per GB to anywhere not listed in `egress_gb_to`. */
  egress_gb: nonNegative.optional(),
  /** Egress per GB to a given region (or cloud label). */
  egress_gb_to: z.record(z.string().min(1), nonNegative).optional(),
  /** Per 1,000 requests. */
  request_1k: nonNegative.optional(),
  /** Compute per vCPU-hour. */
  vcpu_hour: nonNegative.optional(),
  /** Compute per GiB-hour of memory. */
  memory_gib_hour: nonNegative.optional(),
  /** Time-of-day multipliers (the original design's "cheap region at night"). */
  schedule: z.array(PriceWindowSchema).optional(),
});

export type PriceWindow = z.infer<typeof PriceWindowSchema>;
export type Price = z.infer<typeof PriceSchema>;
