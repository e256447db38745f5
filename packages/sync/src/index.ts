export {
  createSync,
  syncEngine,
  SyncEngine,
  SyncEngineOptionsSchema,
  type SyncEngineOptions,
  type BucketSyncStatus,
  SYNC_RESERVED_PREFIX,
} from './engine.js';
export { type RunReport, isSimulatedCrash } from './replicator.js';
export type { TargetStatus } from './status.js';
export { createMemoryKvStore, createAdapterKvStore, isConditionFailure, type KvStore, type KvEntry, type KvCondition } from './kv-store.js';
export { createMemoryJournal, type ChangeJournal, type JournalEntry, type NewJournalEntry } from './journal.js';
export { createStoreJournal, type StoreJournalOptions } from './store-journal.js';
export type { ChangeHint, ChangeSource } from './change-source.js';
export type { CrashHook } from './context.js';
