import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { JobState, JobStatus } from '@polycloud/core/spi';
import { CANCELLED_ANNOTATION, CONTAINER_NAME, KEY_LABEL } from './job-manifest.js';

const condition = (job: V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const asDate = (v: Date | string | undefined) => (v === undefined ? undefined : v instanceof Date ? v : new Date(v));

/**
 * The state of a Job: Complete → SUCCEEDED; Failed → FAILED (reason from the condition:
 * `DeadlineExceeded` is the timeout, `BackoffLimitExceeded` the retries used up);
 * cancelled by the adapter (annotation, suspended) → CANCELLED; pods active → RUNNING;
 * otherwise PENDING (created, not scheduled yet, or suspended by someone else).
 */
export function jobState(job: V1Job): { state: JobState; reason?: string; finishedAt?: Date } {
  const complete = condition(job, 'Complete');
  if (complete) return { state: 'SUCCEEDED', ...(job.status?.completionTime ? { finishedAt: asDate(job.status.completionTime)! } : {}) };
  const failed = condition(job, 'Failed');
  if (failed) {
    const finishedAt = asDate(failed.lastTransitionTime);
    return { state: 'FAILED', reason: `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim(), ...(finishedAt ? { finishedAt } : {}) };
  }
  const cancelledAt = job.metadata?.annotations?.[CANCELLED_ANNOTATION];
  if (cancelledAt) return { state: 'CANCELLED', reason: 'polycloud: cancelled (Job suspended)', finishedAt: new Date(cancelledAt) };
  if ((job.status?.active ?? 0) > 0) return { state: 'RUNNING' };
  return { state: 'PENDING' };
}

/** The exit code of the job's container in the newest pod that terminated, if the pods are still there. */
export function exitCodeOf(pods: V1Pod[]): number | undefined {
  const terminated = pods
    .flatMap((p) => (p.status?.containerStatuses ?? []).filter((c) => c.name === CONTAINER_NAME && c.state?.terminated))
    .map((c) => c.state!.terminated!)
    .sort((a, b) => (asDate(a.finishedAt)?.getTime() ?? 0) - (asDate(b.finishedAt)?.getTime() ?? 0));
  return terminated[terminated.length - 1]?.exitCode;
}

export function toJobStatus(job: V1Job, exitCode: number | undefined): JobStatus {
  const { state, reason, finishedAt } = jobState(job);
  const name = job.metadata?.name ?? '';
  const key = job.metadata?.labels?.[KEY_LABEL];
  const submittedAt = asDate(job.metadata?.creationTimestamp);
  const startedAt = asDate(job.status?.startTime);
  return {
    jobId: name,
    ...(key ? { idempotencyKey: key } : {}),
    state,
    ...(exitCode === undefined ? {} : { exitCode }),
    ...(reason ? { reason } : {}),
    logLocation: `kubectl logs --namespace ${job.metadata?.namespace ?? 'default'} job/${name}`,
    ...(submittedAt ? { submittedAt } : {}),
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  };
}
