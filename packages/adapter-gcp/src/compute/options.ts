import { z } from 'zod';
import type { GcpBatchClient } from './client.js';

/** `projects/<project>/locations/<location>`: a binding's `physical_id`. */
export const GCP_BATCH_PARENT = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|[a-z0-9.:-]+)\/locations\/([a-z0-9-]+)$/;

/** Settings a binding may give in its `options`. */
export const GcpBatchTargetOptionsSchema = z.strictObject({
  /** Compute Engine machine type (`e2-standard-4`); absent = Batch picks one that fits cpu/memory. */
  machineType: z.string().min(1).max(128).optional(),
  /** `SPOT` for cheaper, preemptible VMs. */
  provisioningModel: z.enum(['STANDARD', 'SPOT']).optional(),
  /** Service account the job's VMs run as (default: the Compute Engine default service account). */
  serviceAccountEmail: z.email().optional(),
  /** Zones or regions the VMs may use (`regions/europe-west1`, `zones/europe-west1-b`). */
  allowedLocations: z
    .array(z.string().regex(/^(regions|zones)\/[a-z0-9-]+$/, 'regions/<region> or zones/<zone>'))
    .min(1)
    .optional(),
});
export type GcpBatchTargetOptions = z.output<typeof GcpBatchTargetOptionsSchema>;

/** Options of the Google Cloud Batch compute adapter (camelCase). */
export const GcpBatchAdapterOptionsSchema = z.strictObject({
  projectId: z.string().min(1).optional(),
  /** Path to a service-account key file; absent = Application Default Credentials. */
  keyFilename: z.string().min(1).optional(),
  /** Service-account credentials (`client_email`, `private_key`). */
  credentials: z.looseObject({ client_email: z.string().min(1), private_key: z.string().min(1) }).optional(),
  /** Another endpoint (`batch.googleapis.com` by default). */
  apiEndpoint: z.string().min(1).optional(),
  /** Use HTTP/1.1 + JSON instead of gRPC. */
  fallback: z.boolean().default(false),
  /** Per-call deadline, ms (absent = the client's defaults; core's deadline applies on top). */
  timeoutMs: z.number().int().positive().optional(),
  /** A ready client (tests inject a fake). */
  client: z
    .custom<GcpBatchClient>(
      (v) => typeof v === 'object' && v !== null && typeof (v as GcpBatchClient).createJob === 'function',
      'expected a BatchServiceClient',
    )
    .optional(),
  maxCpu: z.number().positive().default(224),
  maxMemoryMiB: z
    .number()
    .int()
    .positive()
    .default(896 * 1024),
});
export type GcpBatchAdapterOptions = z.input<typeof GcpBatchAdapterOptionsSchema>;
export type ResolvedGcpBatchAdapterOptions = z.output<typeof GcpBatchAdapterOptionsSchema>;
