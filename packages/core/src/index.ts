export * from './errors/index.js';
export * from './adapter/index.js';
export * from './urm/index.js';
export * from './routing/index.js';
export { type Clock, systemClock, sleep, holdProcess } from './clock.js';
export type * from './events.js';
export { validateKey, validateMetadata, MAX_KEY_BYTES, RESERVED_METADATA_PREFIX, RESERVED_KEY_PREFIX, isReservedKey } from './storage/validate.js';
export { normalizeBody, readAll, bodyConsumed, mapStreamErrors, type NormalizedBody } from './storage/body.js';
export { execute, type ExecutionContext, type CallOptions, type Attempt } from './facade/execute.js';
export { ConcurrencySlots } from './facade/slots.js';
export { RetryOptionsSchema, type RetryOptions, backoffDelay, seededRandom } from './facade/retry.js';
export type { WritePipeline, PendingWrite, AppliedWrite, StampAttempt, CommitCall } from './facade/write-pipeline.js';
export {
  LogicalBucketClient,
  type LogicalBucketDeps,
  type BucketPutOptions,
  type BucketGetOptions,
  type BucketListOptions,
  type BucketDeleteOptions,
  type BucketHeadOptions,
  type BucketPutResult,
  type StoredObject,
} from './facade/logical-bucket.js';
export {
  createPolycloud,
  ProviderConfigSchema,
  PolycloudOptionsSchema,
  type Polycloud,
  type PolycloudOptions,
  type ProviderConfig,
} from './polycloud.js';
export * from './compute/index.js';
export * from './config/index.js';
export * from './input/index.js';
export * from './observability/index.js';
export * from './sync/index.js';
export type { StampedWrite } from './facade/write-pipeline.js';
