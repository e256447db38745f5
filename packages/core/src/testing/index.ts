/**
 * The test kit: memory adapters, a fake clock, fault injection and the conformance suites.
 *
 * @module @polycloud/core/testing
 */
export { createFakeClock, type FakeClock } from './clock.js';
export {
  createMemoryCloud,
  compareUtf8,
  isMemoryCloud,
  type MemoryCloud,
  type MemoryCloudOptions,
  type MemoryObject,
  type MemoryWrite,
} from './memory/cloud.js';
export {
  MemoryStorageAdapterOptionsSchema,
  MemoryCapabilitiesSchema,
  MEMORY_STORAGE_CAPABILITIES,
  type MemoryStorageAdapterOptions,
} from './memory/storage-options.js';
export { createMemoryStorageAdapter, memoryStorageAdapterFactory, type MemoryStorageAdapter } from './memory/storage.js';
export { ok, equal, deepEqual, bytesEqual, rejectsWithCode, caughtError, thrownError, throwsWithCode } from './conformance/assert.js';
export {
  storageSkipReason,
  type StorageConformanceNeed,
  type StorageConformanceGaps,
  type StorageConformanceEnv,
  type StorageCaseContext,
  type StorageConformanceCase,
  type StorageConformanceFaults,
  type StorageFaultCase,
} from './conformance/storage-types.js';
export { storageConformanceCases, storageFaultCases } from './conformance/storage-cases.js';
export {
  runStorageConformanceCases,
  storageCaseContext,
  deleteUnderPrefix,
  type ConformanceCaseResult,
  type RunStorageConformanceCasesOptions,
} from './conformance/storage-run.js';
export { conformanceRunPrefix } from './conformance/run-id.js';
export { runStorageAdapterConformance, type StorageConformanceOptions, type ConformanceReport } from './conformance/storage.js';
export {
  MemoryComputeAdapterOptionsSchema,
  MEMORY_COMPUTE_CAPABILITIES,
  type MemoryComputeAdapterOptions,
  type MemoryJobOutcome,
} from './memory/compute-options.js';
export { createMemoryComputeAdapter, memoryComputeAdapterFactory, type MemoryComputeAdapter, type MemoryJobStatus } from './memory/compute.js';
export {
  computeSkipReason,
  type ComputeConformanceGaps,
  type ComputeConformanceEnv,
  type ComputeCaseContext,
  type ComputeConformanceCase,
  type ComputeJobBehaviour,
} from './conformance/compute-types.js';
export { computeConformanceCases } from './conformance/compute-cases.js';
export { computeCaseContext } from './conformance/compute-context.js';
export { runComputeConformanceCases, computeRunId } from './conformance/compute-run.js';
export { runComputeAdapterConformance, type ComputeConformanceOptions } from './conformance/compute.js';
export { FaultInjectionOptionsSchema, FaultRatesSchema, type FaultInjectionOptions } from './faults/options.js';
export { type FaultControls, type FaultStats } from './faults/engine.js';
export { createFaultInjectingStorageAdapter, type FaultInjectingStorageAdapter, type StorageOperation } from './faults/storage.js';
export {
  createFaultInjectingComputeAdapter,
  type FaultInjectingComputeAdapter,
  type ComputeOperation,
  createFaultInjectingClaimStore,
  type FaultInjectingClaimStore,
  type ClaimOperation,
} from './faults/compute.js';
export { ORIGINAL_DATAJOB_YAML } from './fixtures.js';
