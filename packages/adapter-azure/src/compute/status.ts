import type { ContainerGroup } from '@azure/arm-containerinstance';
import { type JobState, type JobStatus, redact } from '@polycloud/core/spi';
import { TAG_KEY, TAG_STOPPED } from './request.js';

/**
 * A container group's job state:
 * - provisioningState Failed → FAILED (e.g. capacity found short after the PUT);
 * - instanceView Stopped → CANCELLED, or FAILED when polycloud stopped it for its timeout;
 * - the container Terminated → SUCCEEDED on exit code 0, else FAILED;
 * - group Succeeded / Failed → SUCCEEDED / FAILED; Running → RUNNING; else PENDING.
 */
export function aciJobState(group: ContainerGroup): JobState {
  const current = group.containers?.[0]?.instanceView?.currentState;
  const groupState = group.instanceView?.state;
  if (group.provisioningState === 'Failed') return 'FAILED';
  if (groupState === 'Stopped') return group.tags?.[TAG_STOPPED] === 'timeout' ? 'FAILED' : 'CANCELLED';
  if (current?.state === 'Terminated') return current.exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
  if (groupState === 'Succeeded') return 'SUCCEEDED';
  if (groupState === 'Failed') return 'FAILED';
  if (current?.state === 'Running' || groupState === 'Running') return 'RUNNING';
  return 'PENDING';
}

export function toAciJobStatus(group: ContainerGroup, logLocation: string): JobStatus {
  const container = group.containers?.[0];
  const current = container?.instanceView?.currentState;
  const state = aciJobState(group);
  const events = [...(group.instanceView?.events ?? []), ...(container?.instanceView?.events ?? [])];
  const lastEvent = events[events.length - 1];
  let reason: string | undefined;
  if (state === 'FAILED' || state === 'CANCELLED') {
    if (group.tags?.[TAG_STOPPED] === 'timeout') reason = `timed out after ${group.tags?.['polycloud-timeout-seconds']} s`;
    else if (group.tags?.[TAG_STOPPED] === 'cancelled') reason = 'cancelled';
    else reason = current?.detailStatus || lastEvent?.message || current?.state;
  }
  return {
    jobId: group.name!,
    idempotencyKey: group.tags?.[TAG_KEY] ?? group.name!,
    state,
    ...(current?.exitCode === undefined || current.exitCode === null ? {} : { exitCode: current.exitCode }),
    ...(reason ? { reason: redact(reason) } : {}),
    logLocation,
    ...(current?.startTime ? { startedAt: new Date(current.startTime) } : {}),
    ...(current?.finishTime && state !== 'RUNNING' && state !== 'PENDING' ? { finishedAt: new Date(current.finishTime) } : {}),
  };
}
