import { DEFAULT_STORAGE_CAPABILITIES, type StorageCapabilities } from '@polycloud/core';
import type { ResolvedS3AdapterOptions } from './options.js';

/**
 * What the adapter can do against real Amazon S3. Conditional writes (If-Match /
 * If-None-Match on PutObject and CompleteMultipartUpload) and conditional deletes
 * (If-Match on DeleteObject) are native on S3 general purpose buckets; emulators that
 * ignore them are described by their test profiles, not here.
 */
export function s3Capabilities(o: ResolvedS3AdapterOptions): StorageCapabilities {
  return {
    ...DEFAULT_STORAGE_CAPABILITIES,
    rangeRead: true,
    multipart: true,
    conditionalWrite: true,
    conditionalDelete: true,
    presign: true,
    batchDelete: true,
    copy: true,
    listDelimiter: true,
    createBucket: true,
    userMetadata: true,
    maxSinglePutBytes: o.maxSinglePutBytes,
    // 10,000 parts of partSizeBytes, capped at S3's 5 TiB object limit.
    maxObjectBytes: Math.min(5 * 1024 ** 4, o.partSizeBytes * 10_000),
    maxKeyBytes: 1024,
    maxMetadataBytes: 2048,
    maxListPageSize: 1000,
    maxBatchDeleteKeys: 1000,
  };
}
