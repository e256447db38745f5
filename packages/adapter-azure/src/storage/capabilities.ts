import { DEFAULT_STORAGE_CAPABILITIES, type StorageCapabilities } from '@polycloud/core/spi';
import { MAX_BATCH } from './delete.js';
import { MAX_LIST_PAGE } from './list.js';

const MiB = 1024 * 1024;

/** Azure Blob limits (service version 2021+): block blobs of 50,000 blocks of up to 4000 MiB. */
export function azureBlobCapabilities(presign: boolean, blockSizeBytes: number): StorageCapabilities {
  return {
    ...DEFAULT_STORAGE_CAPABILITIES,
    rangeRead: true,
    multipart: true,
    conditionalWrite: true,
    conditionalDelete: true,
    presign,
    batchDelete: true,
    copy: true,
    listDelimiter: true,
    createBucket: true,
    userMetadata: true,
    maxSinglePutBytes: 5000 * MiB,
    // 50,000 blocks of the configured size, capped by Azure's 190.7 TiB.
    maxObjectBytes: Math.min(50_000 * blockSizeBytes, 4000 * MiB * 50_000),
    maxKeyBytes: 1024,
    // Azure allows 8 KiB of names + values; base64 of non-ASCII values grows by 4/3.
    maxMetadataBytes: 6000,
    maxListPageSize: MAX_LIST_PAGE,
    maxBatchDeleteKeys: MAX_BATCH,
  };
}
