export { type ClaimStore, type ClaimRecord, type ClaimEntry, ClaimRecordSchema } from './claim-store.js';
export { createMemoryClaimStore, type MemoryClaimStoreOptions } from './memory-claim-store.js';
export { createStorageClaimStore, StorageClaimStoreOptionsSchema, type StorageClaimStoreOptions } from './storage-claim-store.js';
export { verifyClaimStore } from './verify.js';
