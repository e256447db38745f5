/**
 * The sync engine: replicates a LogicalBucket across its bindings (journal, replicator, reconciler).
 *
 * @module @polycloud/sync
 */
export { createSync, syncEngine, SyncEngine, SyncEngineOptionsSchema, type SyncEngineOptions, type BucketSyncStatus, SYNC_RESERVED_PREFIX } from './engine.js';
export { isSimulatedCrash, type Replicator } from './replicator.js';
export type { TargetStatus } from './status.js';
export {
  createMemoryKvStore,
  createAdapterKvStore,
  enforcesConditions,
  isConditionFailure,
  compareUtf8,
  type KvStore,
  type KvEntry,
  type KvCondition,
} from './kv-store.js';
export type { JournalEntry } from './journal.js';
export { partitionOf } from './membership.js';
export type { StateRecord } from './state.js';
export type { ChangeHint, ChangeSource } from './change-source.js';
export type { CrashHook } from './context.js';
