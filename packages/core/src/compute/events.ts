import type { JobStatus } from '../adapter/compute-adapter.js';

/** Where a submitted job lives: enough to ask for its status or cancel it later (serialisable). */
export interface JobHandle {
  /** The LogicalCluster's `resource_id`. */
  resource: string;
  /** Binding id the job was placed on. */
  binding: string;
  /** The provider's job id. */
  jobId: string;
  idempotencyKey: string;
}

export type JobEventType = 'submitted' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Payload of the `job` event on the Polycloud emitter. */
export interface JobEvent extends JobHandle {
  type: JobEventType;
  status: JobStatus;
  /** On `submitted`: true when the job already existed under its idempotency key (nothing new was started). */
  existing?: boolean;
}

export function jobEventType(state: JobStatus['state']): JobEventType | undefined {
  switch (state) {
    case 'RUNNING':
      return 'running';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    default:
      return undefined;
  }
}
