import type { protos } from '@google-cloud/batch';

export type GcpJob = protos.google.cloud.batch.v1.IJob;
export type GcpCreateJobRequest = protos.google.cloud.batch.v1.ICreateJobRequest;

/** Per-call options passed to the client (gax CallOptions subset). */
export interface GcpCallOptions {
  timeout?: number;
  retry?: { retryCodes: number[] };
}

/**
 * The part of `BatchServiceClient` (v1) the adapter uses. The real client fits; tests
 * inject a stateful fake and assert the requests it receives.
 */
export interface GcpBatchClient {
  createJob(request: GcpCreateJobRequest, options?: GcpCallOptions): Promise<[GcpJob, ...unknown[]]>;
  getJob(request: { name: string }, options?: GcpCallOptions): Promise<[GcpJob, ...unknown[]]>;
  cancelJob(request: { name: string; requestId?: string }, options?: GcpCallOptions): Promise<unknown>;
  close?(): Promise<void>;
}
