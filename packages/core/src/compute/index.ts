export { parseQuantity, parseCpu, parseMemoryMiB, QuantityError, MAX_JOB_CPU, MAX_JOB_MEMORY_MIB } from './quantity.js';
export { parseTimeoutSeconds, MAX_TIMEOUT_SECONDS } from './duration.js';
export {
  DataJobSchema,
  DataJobResourcesSchema,
  parseDataJob,
  deriveIdempotencyKey,
  toComputeJobRequest,
  IDEMPOTENCY_KEY,
  type DataJob,
  type DataJobManifest,
} from './spec.js';
export { type JobHandle, type JobEvent, type JobEventType } from './events.js';
export {
  LogicalClusterClient,
  type LogicalClusterDeps,
  type LogicalClusterOptions,
  type SubmitOptions,
  type SubmittedJob,
  type WaitOptions,
} from './logical-cluster.js';
export {
  createLocalComputeAdapter,
  localComputeAdapterFactory,
  LocalComputeAdapterOptionsSchema,
  type LocalComputeAdapterOptions,
  type LocalJobStatus,
} from './local-adapter.js';
