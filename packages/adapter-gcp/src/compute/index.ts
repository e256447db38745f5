export { createGcpBatchAdapter, gcpBatchAdapterFactory } from './adapter.js';
export { GcpBatchAdapterOptionsSchema, GcpBatchTargetOptionsSchema, GCP_BATCH_PARENT, type GcpBatchAdapterOptions, type ResolvedGcpBatchAdapterOptions, type GcpBatchTargetOptions } from './options.js';
export { mapGcpBatchError, GRPC } from './errors.js';
export { createJobRequest, gcpLabels, requestIdFor, GCP_JOB_ID } from './request.js';
export { gcpJobState, toGcpJobStatus, logFilter as gcpLogFilter } from './status.js';
export type { GcpBatchClient, GcpCallOptions, GcpJob, GcpCreateJobRequest } from './client.js';
