import type { Bucket, Storage } from '@google-cloud/storage';
import type { GcsErrorContext } from './errors.js';
import type { ResolvedGcsAdapterOptions } from './options.js';

/** What every operation of one adapter instance shares. */
export interface GcsStorageContext {
  readonly client: Storage;
  readonly options: ResolvedGcsAdapterOptions;
  /** Adapter instance name. */
  readonly name: string;
  /** The bucket handle for `name` (kept: handles are not free to build). */
  bucket(name: string): Bucket;
  /** The error context of one call, for mapGcsError. */
  where(operation: string, bucket: string, key?: string): GcsErrorContext;
}

export function createGcsContext(client: Storage, options: ResolvedGcsAdapterOptions, name: string): GcsStorageContext {
  // Bucket handles are not free to build (ACL, IAM and notification helpers): keep one per name.
  const buckets = new Map<string, Bucket>();
  return {
    client,
    options,
    name,
    bucket(bucket) {
      let b = buckets.get(bucket);
      if (!b) {
        if (buckets.size >= 1000) buckets.clear();
        b = client.bucket(bucket);
        buckets.set(bucket, b);
      }
      return b;
    },
    where: (operation, bucket, key) => ({ operation, bucket, adapter: name, ...(key !== undefined ? { key } : {}) }),
  };
}
