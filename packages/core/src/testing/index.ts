export { createFakeClock, type FakeClock } from './clock.js';
export { createMemoryCloud, compareUtf8, isMemoryCloud, type MemoryCloud, type MemoryCloudOptions, type MemoryObject, type MemoryWrite } from './memory/cloud.js';
export {
  MemoryStorageAdapterOptionsSchema,
  MemoryCapabilitiesSchema,
  MEMORY_STORAGE_CAPABILITIES,
  type MemoryStorageAdapterOptions,
} from './memory/storage-options.js';
export { createMemoryStorageAdapter, memoryStorageAdapterFactory, type MemoryStorageAdapter } from './memory/storage.js';
export { ok, equal, deepEqual, bytesEqual, rejectsWithCode } from './conformance/assert.js';
export {
  storageSkipReason,
  type StorageConformanceNeed,
  type StorageConformanceGaps,
  type StorageConformanceEnv,
  type StorageCaseContext,
  type StorageConformanceCase,
} from './conformance/storage-types.js';
export { storageConformanceCases } from './conformance/storage-cases.js';
export {
  runStorageConformanceCases,
  storageCaseContext,
  deleteUnderPrefix,
  type ConformanceCaseResult,
  type RunStorageConformanceCasesOptions,
} from './conformance/storage-run.js';
export { conformanceRunPrefix } from './conformance/run-id.js';
export { runStorageAdapterConformance, type StorageConformanceOptions, type ConformanceReport } from './conformance/storage.js';
