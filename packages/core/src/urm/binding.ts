import { z } from 'zod';
import { PriceSchema } from './price.js';

const name = z.string().min(1).max(128);

/**
 * One provider binding of a logical resource: the original design's
 * `{"cloud": "CLOUD_A", "physical_id": "bucket-x"}`, extended with routing data.
 */
export const BindingSchema = z.strictObject({
  /** Cloud label from the original design (`CLOUD_A`, `aws`, …). */
  cloud: name,
  /** Physical bucket / container / job queue on that cloud. */
  physical_id: z
    .string()
    .min(1)
    .max(1024)
    .refine((id) => !id.split(/[/\\]/).some((segment) => segment === '..' || segment === '.'), 'a physical_id has no "." or ".." path segments'),
  /** Binding id inside the resource; defaults to `cloud` (must then be unique). */
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, . _ : - (max 128)')
    .optional(),
  /** Name of the configured provider (adapter instance) serving it; defaults to `cloud`. */
  provider: name.optional(),
  /** Cloud region (`eu-west-1`, `europe-west1`, `westeurope`). Needed for residency. */
  region: z.string().min(1).max(64).optional(),
  /** `primary` bindings take traffic first; `standby` ones on failover. */
  role: z.enum(['primary', 'standby']).default('primary'),
  /** Failover tier: lower first. Defaults to 0 for primary, 1 for standby. */
  priority: z.number().int().min(0).max(16).optional(),
  /** Static routing weight (relative). 0 = used only when nothing else is healthy. */
  weight: z.number().finite().min(0).max(1_000_000).default(1),
  /**
   * Free tags. Recognised ones: `residency` (zones this binding is in, comma-list),
   * `classifications` (data classifications it may hold, comma-list, `*` for any).
   */
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
  price: PriceSchema.optional(),
  /** Adapter-specific settings (e.g. a compute binding's project or location). */
  options: z.record(z.string(), z.unknown()).optional(),
});

export type BindingInput = z.input<typeof BindingSchema>;
export type BindingSpec = z.output<typeof BindingSchema>;

/** A binding after resolution: id, provider and priority filled in. */
export interface Binding extends BindingSpec {
  id: string;
  provider: string;
  priority: number;
}
