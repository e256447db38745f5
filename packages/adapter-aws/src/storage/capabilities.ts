import { DEFAULT_STORAGE_CAPABILITIES, type StorageCapabilities } from '@polycloud/core/spi';
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
    // S3's object limit: a body of known length gets parts large enough to fit 10 000 of
    // them (see multipartPartSize). Streams of unknown length are limited to
    // 10 000 × partSizeBytes, which only the upload itself can find out.
    maxObjectBytes: 5 * 1024 ** 4,
    maxKeyBytes: 1024,
    maxMetadataBytes: 2048,
    maxListPageSize: 1000,
    maxBatchDeleteKeys: 1000,
  };
}
