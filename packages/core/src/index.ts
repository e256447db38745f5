/**
 * What applications use: create an instance, its logical buckets and clusters, events and errors.
 *
 * @module @polycloud/core
 */
// @polycloud/core — what applications use: create an instance, talk to its logical
// buckets and clusters, read its events and errors. Plugin authors (adapters, routers,
// sync engines, tools) import their contracts from `@polycloud/core/spi`; test helpers
// live in `@polycloud/core/testing`; loading a config or DataJob file is
// `@polycloud/core/config`. Every name here is listed in api/core.api.txt and
// documented in docs/api.md; the api-report test fails on any name added or dropped.

// The instance
export { createPolycloud, type Polycloud, type PolycloudOptions, type ProviderConfig } from './polycloud.js';
export { createAdapterRegistry, type AdapterRegistry } from './adapter/registry.js';
export type { CallOptions } from './facade/execute.js';
export type { RetryOptions } from './facade/retry.js';
export type { Clock } from './clock.js';

// Storage: a LogicalBucket
export {
  LogicalBucketClient,
  type BucketPutOptions,
  type BucketGetOptions,
  type BucketListOptions,
  type BucketDeleteOptions,
  type BucketHeadOptions,
  type BucketPutResult,
  type StoredObject,
} from './facade/logical-bucket.js';
export type { ObjectInfo, ListPage, PutBody, UserMetadata, PresignOptions } from './adapter/storage-adapter.js';
export { readAll } from './storage/body.js';

// Replication (the handle `polycloud.sync(bucket)` returns, from the sync plugin)
export type {
  BucketReplication,
  BucketSyncStatus,
  ObjectReplicationStatus,
  TargetStatus,
  ReplicationState,
  ReconcileOptions,
  ReconcileReport,
  RunReport,
  DrainOptions,
  CloseReport,
} from './sync/plugin.js';

// Compute: a LogicalCluster and its DataJobs
export { LogicalClusterClient, type LogicalClusterOptions, type SubmitOptions, type SubmittedJob, type WaitOptions } from './compute/logical-cluster.js';
export { parseDataJob, type DataJob, type DataJobManifest } from './compute/spec.js';
export type { JobHandle, JobEvent, JobEventType } from './compute/events.js';
export type { JobState, JobStatus } from './adapter/compute-adapter.js';
export { createLocalComputeAdapter, localComputeAdapterFactory, type LocalComputeAdapterOptions } from './compute/local-adapter.js';
export { type ClaimStore, createMemoryClaimStore, createStorageClaimStore, type StorageClaimStoreOptions } from './compute/claims/index.js';

// Errors
export type { ErrorCode } from './errors/codes.js';
export { PolycloudError, isPolycloudError, type ErrorContext, type ErrorIssue } from './errors/polycloud-error.js';
export { formatPath } from './errors/from-zod.js';

// The Unified Resource Model
export type { UrmDocument, LogicalBucket, LogicalCluster } from './urm/resources.js';
export type { Binding } from './urm/binding.js';
export type { RoutingPolicy, ReplicationPolicy } from './urm/policies.js';
export type { Price, PriceWindow } from './urm/price.js';
export { parseUrmDocument, parseUrmDocuments } from './urm/parse.js';

// Events and routing decisions
export type {
  PolycloudEvents,
  OperationEvent,
  RouteEvent,
  FailoverEvent,
  HealthEvent,
  RetryEvent,
  ErrorEvent,
  CandidateRefusedEvent,
  WarningEvent,
} from './events.js';
export type { RouteExplanation, ExplainedCandidate, OperationKind } from './routing/router.js';

// Observability
export { instrumentPolycloud, type TelemetryOptions, type PolycloudTelemetry } from './observability/instrument.js';
export { POLYCLOUD_METRICS, type PolycloudMetricName } from './observability/metrics.js';
export { silentLogger, createRedactingLogger, type Logger, type LogLevel } from './observability/logger.js';
export { measureBucketUsage, type BindingUsage } from './observability/usage.js';
export { watchReplication, type WatchReplicationOptions } from './observability/watch-replication.js';
