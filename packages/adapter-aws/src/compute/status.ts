import type { JobDetail } from '@aws-sdk/client-batch';
import { type JobState, type JobStatus, redact } from '@polycloud/core/spi';

/** The reason TerminateJob is given, so a cancelled job reads CANCELLED (Batch itself reports FAILED). */
export const CANCEL_REASON = 'polycloud: cancelled';

/** Batch's states: SUBMITTED, PENDING, RUNNABLE, STARTING → PENDING; RUNNING; SUCCEEDED; FAILED (CANCELLED when we or a user cancelled it). */
export function jobState(detail: Pick<JobDetail, 'status' | 'statusReason' | 'isCancelled'>): JobState {
  switch (detail.status) {
    case 'RUNNING':
      return 'RUNNING';
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return detail.isCancelled || detail.statusReason?.startsWith(CANCEL_REASON) ? 'CANCELLED' : 'FAILED';
    default:
      return 'PENDING';
  }
}

const toDate = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));

export function toJobStatus(detail: JobDetail, logGroup: string): JobStatus {
  const lastAttempt = detail.attempts?.[detail.attempts.length - 1]?.container;
  const exitCode = detail.container?.exitCode ?? lastAttempt?.exitCode;
  const stream = detail.container?.logStreamName ?? lastAttempt?.logStreamName;
  const reason = detail.statusReason ?? detail.container?.reason ?? lastAttempt?.reason;
  const state = jobState(detail);
  const submitted = toDate(detail.createdAt);
  const started = toDate(detail.startedAt);
  const finished = toDate(detail.stoppedAt);
  return {
    jobId: detail.jobId!,
    ...(detail.jobName ? { idempotencyKey: detail.jobName } : {}),
    state,
    ...(exitCode === undefined || exitCode === null ? {} : { exitCode }),
    ...(reason && (state === 'FAILED' || state === 'CANCELLED') ? { reason: redact(reason) } : {}),
    ...(stream ? { logLocation: `cloudwatch:${logGroup}:${stream}` } : {}),
    ...(submitted ? { submittedAt: submitted } : {}),
    ...(started ? { startedAt: started } : {}),
    ...(finished ? { finishedAt: finished } : {}),
  };
}
