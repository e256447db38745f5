export { createAwsBatchAdapter, awsBatchAdapterFactory, submitJobRequest, batchTags, MIN_BATCH_TIMEOUT_SECONDS } from './adapter.js';
export { AwsBatchAdapterOptionsSchema, AwsBatchTargetOptionsSchema, type AwsBatchAdapterOptions, type ResolvedAwsBatchAdapterOptions, type AwsBatchTargetOptions } from './options.js';
export { mapBatchError, type BatchErrorContext } from './errors.js';
export { batchSize, FARGATE_SIZES, type BatchPlatform, type BatchSize } from './sizing.js';
export { jobDefinitionName, registerRequest, type JobDefinitionSpec } from './job-definitions.js';
export { jobState as batchJobState, toJobStatus as batchJobStatus, CANCEL_REASON } from './status.js';
