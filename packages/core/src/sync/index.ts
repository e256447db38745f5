export * from './hlc.js';
export * from './version-vector.js';
export * from './version.js';
export { sha256, hashBody, type HashedBody } from './content-hash.js';
export * from './resolver.js';
export type * from './merge.js';
export * from './kv-store.js';
export * from './journal.js';
export { createStoreJournal, type StoreJournalOptions, SEGMENT_SPAN } from './store-journal.js';
export { createLease, type Lease } from './lease.js';
export type { BaseRecord, TombstoneRecord, CrashHook } from './context.js';
export * from './status.js';
export { syncKey, type KeyHints, type KeyOutcome, type BindingOutcome } from './sync-key.js';
export { Replicator, isSimulatedCrash, type ReplicatorOptions, type RunReport } from './replicator.js';
export { reconcile, type ReconcileOptions, type ReconcileReport } from './reconciler.js';
export type { ChangeHint, ChangeSource } from './change-source.js';
export {
  SyncEngine,
  SyncEngineOptionsSchema,
  type SyncEngineOptions,
  type BucketSyncStatus,
  syncEngineFor,
  stopSyncEngines,
  createSyncPipelineFactory,
  SYNC_RESERVED_PREFIX,
} from './engine.js';
