import type { JobState, JobStatus } from '@polycloud/core/spi';
import type { DATAJOB_PHASES } from '../crd/datajob-crd.js';

/** Where a DataJob is in its life, as the controller records it on `status.phase`. */
export type DataJobPhase = (typeof DATAJOB_PHASES)[number];

export const TERMINAL_PHASES: ReadonlySet<DataJobPhase> = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** Condition types the controller sets (metav1.Condition shape). */
export type DataJobConditionType = 'Accepted' | 'Dispatched' | 'Running' | 'Completed';

export interface DataJobCondition {
  type: DataJobConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase: Accepted, Invalid, Unschedulable, Dispatched, Rejected, Running, Completed, Failed, Cancelled. */
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** `status` of a DataJob resource, written by the controller through the status subresource. */
export interface DataJobStatus {
  phase?: DataJobPhase;
  observedGeneration?: number;
  /** The binding of the LogicalCluster the job was placed on (chosen before it is submitted). */
  binding?: string;
  /** That binding's cloud label. */
  cloud?: string;
  /** The provider's job id, once submitted. */
  providerJobId?: string;
  startTime?: string;
  completionTime?: string;
  /** Why: Accepted (or Invalid / Unschedulable / Rejected), Dispatched, Running, Completed; messages redacted. */
  conditions?: DataJobCondition[];
}

/** The DataJob resource as the API server returns it (only the fields the controller reads). */
export interface DataJobObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: DataJobStatus;
}

/** Kubernetes time (RFC 3339, seconds). */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * `conditions` with one condition set: its `lastTransitionTime` kept when its status
 * did not change (as metav1 conditions do), the others untouched.
 */
export function setCondition(
  conditions: readonly DataJobCondition[] | undefined,
  next: Omit<DataJobCondition, 'lastTransitionTime'>,
  now: Date,
): DataJobCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const previous = i >= 0 ? list[i] : undefined;
  const condition: DataJobCondition = {
    ...next,
    lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : kubeTime(now),
  };
  if (i >= 0) list[i] = condition;
  else list.push(condition);
  return list;
}

/** The phase a provider job state maps to. */
export function phaseOf(state: JobState): DataJobPhase {
  switch (state) {
    case 'SUCCEEDED':
      return 'Succeeded';
    case 'FAILED':
      return 'Failed';
    case 'CANCELLED':
      return 'Cancelled';
    case 'RUNNING':
      return 'Running';
    default:
      // Dispatched (the Dispatched condition says so), queued at the provider.
      return 'Pending';
  }
}

/**
 * The status after the provider reported `job`: phase, job id, start and completion
 * times and the Running / Completed conditions. Pure; `now` is the time of the report.
 */
export function statusFromJob(current: DataJobStatus, job: JobStatus, generation: number | undefined, now: Date): DataJobStatus {
  const phase = phaseOf(job.state);
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  let conditions = setCondition(
    current.conditions,
    { type: 'Dispatched', status: 'True', reason: 'Dispatched', message: `job ${job.jobId} on binding ${current.binding ?? '?'}` },
    now,
  );
  const running = job.state === 'RUNNING';
  if (running || TERMINAL_PHASES.has(phase)) {
    conditions = setCondition(
      conditions,
      running
        ? { type: 'Running', status: 'True', reason: 'Running', message: 'the provider reports the job running' }
        : { type: 'Running', status: 'False', reason: 'Completed', message: 'the job is no longer running' },
      now,
    );
  }
  if (TERMINAL_PHASES.has(phase)) {
    const reason = phase === 'Succeeded' ? 'Completed' : phase;
    const message = phase === 'Succeeded' ? `succeeded${job.exitCode === undefined ? '' : `, exit code ${job.exitCode}`}` : (job.reason ?? phase.toLowerCase());
    conditions = setCondition(conditions, { type: 'Completed', status: phase === 'Succeeded' ? 'True' : 'False', reason, message }, now);
  }
  const started = job.startedAt ?? job.submittedAt;
  return {
    ...current,
    phase,
    providerJobId: job.jobId,
    ...gen,
    ...(current.startTime ? {} : { startTime: kubeTime(started ?? now) }),
    ...(TERMINAL_PHASES.has(phase) && !current.completionTime ? { completionTime: kubeTime(job.finishedAt ?? now) } : {}),
    conditions,
  };
}

/** Status of a DataJob refused before anything was started (invalid spec, no lawful binding). */
export function refusedStatus(
  current: DataJobStatus,
  reason: 'Invalid' | 'Unschedulable' | 'Rejected',
  message: string,
  generation: number | undefined,
  now: Date,
): DataJobStatus {
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  return {
    ...current,
    phase: 'Failed',
    ...gen,
    ...(current.completionTime ? {} : { completionTime: kubeTime(now) }),
    conditions: setCondition(current.conditions, { type: 'Accepted', status: 'False', reason, message }, now),
  };
}

/** Status once a binding is chosen, written before the job is submitted there. */
export function dispatchingStatus(
  current: DataJobStatus,
  placement: { binding: string; cloud: string; message: string },
  generation: number | undefined,
  now: Date,
): DataJobStatus {
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  return {
    ...current,
    phase: 'Dispatching',
    ...gen,
    binding: placement.binding,
    cloud: placement.cloud,
    conditions: setCondition(current.conditions, { type: 'Accepted', status: 'True', reason: 'Accepted', message: placement.message }, now),
  };
}

/** Status while the job waits to be placed (no binding usable now, or the placement was refused and is retried): the binding is cleared. */
export function pendingStatus(current: DataJobStatus, reason: string, message: string, generation: number | undefined, now: Date): DataJobStatus {
  const { binding: _binding, cloud: _cloud, ...rest } = current;
  return {
    ...rest,
    phase: 'Pending',
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    conditions: setCondition(current.conditions, { type: 'Accepted', status: 'Unknown', reason, message }, now),
  };
}
