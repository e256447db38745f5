export { parseQuantity, parseCpu, parseMemoryMiB, QuantityError, MAX_JOB_CPU, MAX_JOB_MEMORY_MIB } from './quantity.js';
export { parseTimeoutSeconds, MAX_TIMEOUT_SECONDS } from './duration.js';
export {
  DataJobSchema,
  DataJobResourcesSchema,
  parseDataJob,
  deriveIdempotencyKey,
  IDEMPOTENCY_SECRET_ENV,
  SECRET_ENV_NAME,
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
export {
  type ClaimStore,
  type ClaimRecord,
  type ClaimEntry,
  ClaimRecordSchema,
  createMemoryClaimStore,
  type MemoryClaimStoreOptions,
  createStorageClaimStore,
  StorageClaimStoreOptionsSchema,
  type StorageClaimStoreOptions,
  verifyClaimStore,
} from './claims/index.js';
export { DEFINITELY_REJECTED } from './claimed-submit.js';
