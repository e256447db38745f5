import { z } from 'zod';
import type { Clock, ComputeCapabilities, ComputeJobRequest } from '@polycloud/core/spi';

/** How one job behaves; every field falls back to the adapter's options. */
export interface MemoryJobOutcome {
  exitCode?: number;
  /** Time in PENDING before it starts, ms. */
  pendingMs?: number;
  /** Time in RUNNING before it finishes, ms; `null` = until `complete()` or `cancel()`. */
  runMs?: number | null;
  /** Reason reported when it fails. */
  reason?: string;
}

const ms = z.number().int().min(0);

export const MemoryComputeAdapterOptionsSchema = z.strictObject({
  /** Instance name; the registry passes the provider's name. */
  name: z.string().min(1).default('memory'),
  /** Drives the lifecycle; default the system clock. Pass `createFakeClock()` for deterministic tests. */
  clock: z
    .custom<Clock>((v) => v === undefined || (typeof v === 'object' && v !== null && typeof (v as Clock).now === 'function'), 'expected a Clock')
    .optional(),
  /** Time a job stays PENDING, ms. Default 0 (RUNNING at once). */
  pendingMs: ms.default(0),
  /** Time a job stays RUNNING, ms; `null` = until `complete()` / `cancel()`. Default 1000. */
  runMs: ms.nullable().default(1000),
  /** Exit code of jobs that finish by themselves (0 → SUCCEEDED, else FAILED). Default 0. */
  exitCode: z.number().int().default(0),
  /** Per-job behaviour, e.g. `(job) => job.name === 'bad' ? { exitCode: 2 } : {}`. */
  outcome: z.custom<(job: ComputeJobRequest) => MemoryJobOutcome>((v) => v === undefined || typeof v === 'function', 'expected a function').optional(),
  /** Most jobs PENDING or RUNNING at once; one more submit → QUOTA_EXCEEDED (retryable). Default unlimited. */
  maxConcurrentJobs: z.number().int().positive().optional(),
  /** Overrides of the (all-true) default capabilities. */
  capabilities: z
    .strictObject({
      cancel: z.boolean(),
      idempotentSubmit: z.boolean(),
      exitCode: z.boolean(),
      logs: z.boolean(),
      maxCpu: z.number().positive(),
      maxMemoryMiB: z.number().int().positive(),
    })
    .partial()
    .default({}),
});

export type MemoryComputeAdapterOptions = z.input<typeof MemoryComputeAdapterOptionsSchema>;

export const MEMORY_COMPUTE_CAPABILITIES: Readonly<ComputeCapabilities> = Object.freeze({
  cancel: true,
  idempotentSubmit: true,
  exitCode: true,
  logs: true,
  maxCpu: 96,
  maxMemoryMiB: 768 * 1024,
});
