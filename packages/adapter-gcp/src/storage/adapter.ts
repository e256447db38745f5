import type { Storage } from '@google-cloud/storage';
import {
  type AdapterContext,
  PolycloudError,
  type StorageAdapter,
  type StorageAdapterFactory,
  parseWithSchema,
  registerSecrets,
  unsupportedStorageOperations,
} from '@polycloud/core/spi';
import { gcsCapabilities } from './capabilities.js';
import { createStorageClient } from './client.js';
import { copyObject } from './copy.js';
import { createGcsContext } from './context.js';
import { deleteObject } from './delete.js';
import { ensureBucket, probeBucket } from './bucket.js';
import { GcsAdapterOptionsSchema, type GcsAdapterOptions, type ResolvedGcsAdapterOptions } from './options.js';
import { presignObject } from './presign.js';
import { getObject, headObject } from './read.js';
import { listObjects } from './list.js';
import { putObject } from './write.js';

/** Extras for tests and embedding (not part of the StorageAdapter contract). */
export interface GcsAdapterInternals {
  /** The underlying client, for calls the contract does not cover. */
  readonly client: Storage;
  /** Clock used for presign expiry (tests pin it). */
  now?: () => number;
}

/** The gcs adapter: with both optional lifecycle hooks (`probe`, `close`). */
export type GcsStorageAdapter = StorageAdapter & Required<Pick<StorageAdapter, 'probe' | 'close'>> & GcsAdapterInternals;

/**
 * A StorageAdapter for Google Cloud Storage (or any endpoint speaking its JSON API,
 * like the firebase-tools emulator). Options are validated with
 * {@link GcsAdapterOptionsSchema} (CONFIG_INVALID with the path). The version token is
 * the object's generation.
 */
export function createGcsAdapter(options: GcsAdapterOptions, context?: Partial<AdapterContext>): GcsStorageAdapter {
  const config: ResolvedGcsAdapterOptions = parseWithSchema(GcsAdapterOptionsSchema, options, 'invalid gcs adapter options');
  if (config.credentials) registerSecrets([config.credentials.private_key]);
  const name = context?.name ?? 'gcs';
  const client = createStorageClient(config);
  const capabilities = Object.freeze(gcsCapabilities(config));
  // Bucket handles (one per name) and each call's error context.
  const { bucket: handle, where: ctx } = createGcsContext(client, config, name);

  const unsupported = unsupportedStorageOperations('gcs');
  const adapter: GcsStorageAdapter = {
    type: 'gcs',
    name,
    capabilities,
    client,
    ensureBucket: (bucket) => ensureBucket(client, bucket, ctx('ensureBucket', bucket)),
    put: (bucket, key, body, opts = {}) => putObject(handle(bucket), key, body, opts, config, ctx('put', bucket, key)),
    get: (bucket, key, opts = {}) => getObject(handle(bucket), key, opts, ctx('get', bucket, key), 0, config.readMetadataOnGet),
    head: (bucket, key, opts = {}) => headObject(handle(bucket), key, opts.signal, ctx('head', bucket, key)),
    list: (bucket, opts = {}) => listObjects(handle(bucket), opts, capabilities.maxListPageSize, ctx('list', bucket)),
    delete: (bucket, key, opts = {}) => deleteObject(handle(bucket), key, opts, ctx('delete', bucket, key), config.timeoutMs),
    // No batch call in the SDK: `batchDelete` is not declared, so deleteMany raises UNSUPPORTED
    // and the facade deletes key by key.
    deleteMany: unsupported.deleteMany,
    copy: (bucket, sourceKey, destinationKey, opts = {}) =>
      copyObject(handle(bucket), sourceKey, destinationKey, opts, ctx('copy', bucket, destinationKey), config.timeoutMs),
    async presign(bucket, key, opts) {
      if (!capabilities.presign) {
        throw new PolycloudError('UNSUPPORTED', 'gcs presign needs service account credentials (keyFilename or credentials) to sign with', {
          retryable: false,
          context: { provider: 'gcs', operation: 'presign', capability: 'presign', key },
        });
      }
      return presignObject(handle(bucket), key, opts, adapter.now ?? Date.now, ctx('presign', bucket, key));
    },
    probe: (bucket, opts = {}) => probeBucket(client, bucket, opts.signal, ctx('probe', bucket)),
    async close() {
      // Nothing to release: the SDK holds no timers, and idle keep-alive sockets close on their own.
    },
  };
  return adapter;
}

/** Registers the `gcs` type with core's adapter registry. */
export const gcsAdapterFactory: StorageAdapterFactory<ResolvedGcsAdapterOptions> = {
  kind: 'storage',
  type: 'gcs',
  optionsSchema: GcsAdapterOptionsSchema as unknown as StorageAdapterFactory<ResolvedGcsAdapterOptions>['optionsSchema'],
  create: (options, context) => createGcsAdapter(options, context),
};
