import type { ComputeAdapter, ComputeCapabilities, ComputeCapability, ComputeJobRequest, ComputeTarget, JobStatus } from '@polycloud/core/spi';

export type ComputeConformanceGaps = Partial<Record<ComputeCapability, string>>;

/** What a conformance job should do when it really runs. */
export type ComputeJobBehaviour = { kind: 'exit'; exitCode: number } | { kind: 'sleep'; seconds: number };

/** What `create` returns. */
export interface ComputeConformanceEnv {
  adapter: ComputeAdapter;
  target: ComputeTarget;
  /** Drives a job to completion in a mocked or memory backend; absent = jobs really run. */
  complete?: (jobId: string, outcome: { exitCode: number }) => Promise<void>;
  cleanup?: () => Promise<void>;
  /** Fields of the jobs the cases submit, per behaviour (default: busybox `sh -c 'exit N'` / `sleep N`). */
  jobTemplate?: (behaviour: ComputeJobBehaviour) => Partial<ComputeJobRequest>;
  /** A well-formed job id that does not exist (default `pc-conformance-missing-<run>`). */
  unknownJobId?: string;
  /** How long to wait for a really running job to finish, ms (default 60 000). */
  jobTimeoutMs?: number;
}

export interface ComputeCaseContext {
  adapter: ComputeAdapter;
  target: ComputeTarget;
  complete?: ComputeConformanceEnv['complete'];
  unknownJobId: string;
  /** A job request with an idempotency key unique to this run and `name`. */
  job(name: string, behaviour: ComputeJobBehaviour): ComputeJobRequest;
  /** Drives (with `complete`) or waits for the job to reach a terminal state. */
  finish(jobId: string, exitCode: number): Promise<JobStatus>;
  /** Polls status until the job is terminal (or the timeout passes). */
  waitTerminal(jobId: string): Promise<JobStatus>;
  /** Idempotency keys of every job request built so far (for cleanup). */
  readonly keys: readonly string[];
}

export interface ComputeConformanceCase {
  name: string;
  needs: readonly ComputeCapability[];
  run(ctx: ComputeCaseContext): Promise<void>;
}

export function computeSkipReason(
  capabilities: Readonly<ComputeCapabilities>,
  needs: readonly ComputeCapability[],
  gaps: ComputeConformanceGaps = {},
): string | undefined {
  for (const need of needs) {
    if (gaps[need]) return `${need}: ${gaps[need]}`;
    if (capabilities[need] !== true) return `adapter does not declare ${need}`;
  }
  return undefined;
}
