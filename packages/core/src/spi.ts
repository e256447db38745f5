/**
 * What plugin authors use: adapter, router and sync contracts, and the algorithms they need.
 *
 * @module @polycloud/core/spi
 */
// @polycloud/core/spi — what plugin authors use: the storage and compute adapter
// contracts, the router contract and the routing algorithms, the sync plugin contract
// and the version/resolver algorithms a sync engine needs, error and body helpers.
// Applications never need it; `@polycloud/core` has their names. Listed in
// api/core.spi.api.txt, documented in docs/spi.md.

// Adapter contracts, capabilities, the registry
export * from './adapter/index.js';
export type { PutBody } from './adapter/storage-adapter.js';

// Errors: the class, the codes, mapping helpers, redaction
export * from './errors/index.js';

// Bodies, keys, metadata
export { validateKey, validateMetadata, MAX_KEY_BYTES, RESERVED_METADATA_PREFIX, RESERVED_KEY_PREFIX, isReservedKey } from './storage/validate.js';
export { normalizeBody, readAll, bodyConsumed, mapStreamErrors, exactLength, lengthMismatch, type NormalizedBody } from './storage/body.js';
export { camelCase } from './config/keys.js';

// Time, back-off, process lifetime
export { type Clock, systemClock, sleep, holdProcess } from './clock.js';
export { RetryOptionsSchema, type RetryOptions, backoffDelay, seededRandom } from './facade/retry.js';

// The Unified Resource Model (schemas and types) and the events a plugin may emit or read
export * from './urm/index.js';
export type * from './events.js';

// Routing: the router contract, residency, the hard filter and the weight model
export * from './routing/index.js';

// Replication: the sync plugin contract, the write pipeline hook, versions and resolvers
export * from './sync/index.js';
export type { WritePipeline, PendingWrite, AppliedWrite, StampAttempt, CommitCall, StampedWrite } from './facade/write-pipeline.js';

// Compute: the job request an adapter receives, idempotency keys, claim stores
export { toComputeJobRequest, deriveIdempotencyKey, IDEMPOTENCY_KEY, parseDataJob, DataJobSchema, type DataJob } from './compute/spec.js';
export { dataJobJsonSchema } from './config/json-schema.js';
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
} from './compute/claims/index.js';
export { type LocalJobStatus } from './compute/local-adapter.js';

// Tools built on core (the CLI): bounded input reading and the config's input limits
export { readConfigSource, type ConfigSource, type ParsedSource } from './config/source.js';
export { readTextFile, type ReadTextFileOptions } from './input/read-file.js';
export { INPUT_LIMITS, type InputLimits } from './input/limits.js';
