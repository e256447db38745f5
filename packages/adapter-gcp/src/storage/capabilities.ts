import { DEFAULT_STORAGE_CAPABILITIES, type StorageCapabilities } from '@polycloud/core/spi';
import type { ResolvedGcsAdapterOptions } from './options.js';

/**
 * What the gcs adapter can do against real Google Cloud Storage. Emulator gaps are
 * declared in the emulator's test profile, not here.
 */
export function gcsCapabilities(options: ResolvedGcsAdapterOptions): StorageCapabilities {
  return {
    ...DEFAULT_STORAGE_CAPABILITIES,
    rangeRead: true,
    // Resumable uploads stream bodies of any length in one request (or chunkSizeBytes chunks).
    multipart: true,
    conditionalWrite: true,
    conditionalDelete: true,
    // V4 signing needs a private key: only with explicit service account credentials.
    presign: options.credentials !== undefined || options.keyFilename !== undefined,
    // The JSON API batch endpoint is not exposed by @google-cloud/storage: deleteMany is
    // parallel single deletes, so the facade is told there is no batch call.
    batchDelete: false,
    copy: true,
    listDelimiter: true,
    createBucket: true,
    userMetadata: true,
    // Simple (non-resumable) uploads are limited by memory; resumable ones by object size.
    maxSinglePutBytes: 5 * 1024 ** 4,
    maxObjectBytes: 5 * 1024 ** 4,
    maxKeyBytes: 1024,
    // Custom metadata counts toward the 8 KiB limit on all custom metadata.
    maxMetadataBytes: 8 * 1024,
    maxListPageSize: 1000,
    maxBatchDeleteKeys: 100,
  };
}
