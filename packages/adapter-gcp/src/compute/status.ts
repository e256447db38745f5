import { type JobState, type JobStatus, redact } from '@polycloud/core/spi';
import type { GcpJob } from './client.js';

const STATES = ['STATE_UNSPECIFIED', 'QUEUED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DELETION_IN_PROGRESS', 'CANCELLATION_IN_PROGRESS', 'CANCELLED'];

/** The Cloud Batch state name (the client gives names; numbers are accepted too). */
export function gcpStateName(state: unknown): string {
  return typeof state === 'number' ? (STATES[state] ?? 'STATE_UNSPECIFIED') : String(state ?? 'STATE_UNSPECIFIED');
}

/**
 * QUEUED, SCHEDULED (and unspecified) → PENDING; RUNNING and CANCELLATION_IN_PROGRESS
 * → RUNNING (VMs still held); SUCCEEDED; FAILED; CANCELLED and DELETION_IN_PROGRESS →
 * CANCELLED (the job will not complete).
 */
export function gcpJobState(state: unknown): JobState {
  switch (gcpStateName(state)) {
    case 'RUNNING':
    case 'CANCELLATION_IN_PROGRESS':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELLED':
    case 'DELETION_IN_PROGRESS':
      return 'CANCELLED';
    default:
      return 'PENDING';
  }
}

type Timestamp = { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null | undefined;
const toDate = (t: Timestamp): Date | undefined =>
  t?.seconds == null ? undefined : new Date(Number(String(t.seconds)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));

/** The Cloud Logging filter for a job's task logs. */
export function logFilter(parent: string, job: GcpJob): string {
  const project = parent.split('/')[1];
  return `logName="projects/${project}/logs/batch_task_logs" AND labels.job_uid="${job.uid ?? ''}"`;
}

export function toGcpJobStatus(parent: string, job: GcpJob): JobStatus {
  const jobId = (job.name ?? '').split('/').pop() ?? '';
  const state = gcpJobState(job.status?.state);
  const events = job.status?.statusEvents ?? [];
  const withExit = [...events].reverse().find((e) => e.taskExecution && e.taskExecution.exitCode !== undefined && e.taskExecution.exitCode !== null);
  const exitCode = withExit?.taskExecution?.exitCode ?? (state === 'SUCCEEDED' ? 0 : undefined);
  const last = events[events.length - 1];
  const submitted = toDate(job.createTime as Timestamp);
  const updated = toDate(job.updateTime as Timestamp);
  const terminal = state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED';
  return {
    jobId,
    idempotencyKey: jobId,
    state,
    ...(exitCode === undefined ? {} : { exitCode: Number(exitCode) }),
    ...((state === 'FAILED' || state === 'CANCELLED') && last?.description ? { reason: redact(last.description) } : {}),
    ...(job.uid ? { logLocation: logFilter(parent, job) } : {}),
    ...(submitted ? { submittedAt: submitted } : {}),
    ...(terminal && updated ? { finishedAt: updated } : {}),
  };
}
