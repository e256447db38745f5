import type { ComputeCapabilities } from './capabilities.js';

/** Job lifecycle. Terminal states: SUCCEEDED, FAILED, CANCELLED. */
export type JobState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A DataJob after validation and quantity parsing, as an adapter receives it. */
export interface ComputeJobRequest {
  /** `metadata.name` of the DataJob. */
  name: string;
  /**
   * Deterministic key for this submission; the adapter makes it the provider's job
   * name / id (or a tag it can search by) so that `find` returns the job and, where
   * the provider refuses a second create of one name, a second create fails with
   * ALREADY_EXISTS. `[a-z0-9-]`, at most 63 characters.
   */
  idempotencyKey: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  /** vCPUs, exact (0.5 for `500m`). Adapters round up as their provider requires. */
  cpu: number;
  /** Memory in MiB, exact (4096 for `4Gi`). */
  memoryMiB: number;
  /** Wall-clock limit. */
  timeoutSeconds?: number;
  /** Provider-side retry attempts. */
  retries: number;
  tags: Record<string, string>;
}

/** Where a job runs: the binding's physical id plus its adapter-specific options. */
export interface ComputeTarget {
  /** Binding's `physical_id` (AWS Batch job queue, GCP `projects/p/locations/l`, Azure resource group…). */
  physicalId: string;
  region?: string;
  options: Record<string, unknown>;
}

export interface JobStatus {
  /** The provider's job id (or name) — what `status` and `cancel` take. */
  jobId: string;
  idempotencyKey?: string;
  state: JobState;
  exitCode?: number;
  /** Human-readable reason for FAILED / CANCELLED, redacted. */
  reason?: string;
  /** Where the provider keeps the logs (CloudWatch stream, Cloud Logging filter, …). */
  logLocation?: string;
  submittedAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

/**
 * The contract every compute adapter implements. One instance per configured
 * provider; each call names its target. Every method throws only PolycloudError;
 * capacity or quota problems are QUOTA_EXCEEDED or UNAVAILABLE (retryable), so the
 * LogicalCluster facade can fail over to the next candidate.
 */
export interface ComputeAdapter {
  readonly type: string;
  readonly name: string;
  readonly capabilities: Readonly<ComputeCapabilities>;

  /**
   * Creates the job: create-or-fail. If a job with the same `idempotencyKey`
   * already exists on this target, throws ALREADY_EXISTS (not retryable) and starts
   * nothing. `submit` does not look the key up first: the LogicalCluster client does
   * the idempotency once (find → create → find on ALREADY_EXISTS), under its claim.
   *
   * Where the provider refuses a second create of one id (GCP Batch job ids, ACI
   * container group names), map that refusal to ALREADY_EXISTS. Where it does not
   * (AWS Batch job names), the adapter settles it after the create, as cheaply as it
   * can, and documents how (the AWS adapter terminates its own newer duplicate and
   * throws ALREADY_EXISTS). Returning the existing job instead of throwing (the
   * earlier contract) is still safe, but the caller then cannot tell it existed.
   * Declare `capabilities.idempotentSubmit` only if a second create of a key is
   * refused this way.
   */
  submit(target: ComputeTarget, job: ComputeJobRequest, options?: { signal?: AbortSignal }): Promise<JobStatus>;

  /** The job submitted with this idempotency key, or `undefined` if none exists. */
  find(target: ComputeTarget, idempotencyKey: string, options?: { signal?: AbortSignal }): Promise<JobStatus | undefined>;

  /** Current status. Unknown id → NOT_FOUND. */
  status(target: ComputeTarget, jobId: string, options?: { signal?: AbortSignal }): Promise<JobStatus>;

  /** Stops the job. Idempotent: a finished or already cancelled job is success. Unknown id → NOT_FOUND. Needs `cancel`. */
  cancel(target: ComputeTarget, jobId: string, options?: { signal?: AbortSignal }): Promise<void>;

  /** A cheap liveness check used by health probes. */
  probe?(target: ComputeTarget, options?: { signal?: AbortSignal }): Promise<void>;

  close?(): Promise<void>;
}
