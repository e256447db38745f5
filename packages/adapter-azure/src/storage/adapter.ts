import { parseWithSchema, type AdapterContext, type StorageAdapter, type StorageAdapterFactory } from '@polycloud/core/spi';
import { ensureContainer, probeContainer } from './bucket.js';
import { azureBlobCapabilities } from './capabilities.js';
import { createAzureClients } from './client.js';
import { createStorageContext } from './context.js';
import { deleteBlob, deleteBlobs } from './delete.js';
import { listBlobs } from './list.js';
import { type AzureBlobAdapterOptions, AzureBlobAdapterOptionsSchema, type ResolvedAzureBlobAdapterOptions } from './options.js';
import { presignBlob } from './presign.js';
import { getBlob, headBlob } from './read.js';
import { copyBlob } from './copy.js';
import { putBlob } from './write.js';

/**
 * A StorageAdapter for Azure Blob Storage (block blobs) on `@azure/storage-blob`.
 * Physical buckets are containers; the version token is the blob's ETag.
 */
export function createAzureBlobAdapter(options: AzureBlobAdapterOptions, context: Partial<AdapterContext> = {}): StorageAdapter {
  const parsed = parseWithSchema(AzureBlobAdapterOptionsSchema, options, 'invalid options for azure-blob adapter');
  const clients = createAzureClients(parsed);
  const ctx = createStorageContext(clients, parsed);
  const capabilities = Object.freeze(azureBlobCapabilities(clients.sharedKey !== undefined, parsed.blockSizeBytes));

  const adapter: StorageAdapter = {
    type: 'azure-blob',
    name: context.name ?? 'azure-blob',
    capabilities,
    ensureBucket: (container) => ensureContainer(ctx, container),
    put: (container, key, body, o) => putBlob(ctx, container, key, body, o),
    get: (container, key, o) => getBlob(ctx, container, key, o),
    head: (container, key, o) => headBlob(ctx, container, key, o),
    list: (container, o) => listBlobs(ctx, container, o),
    delete: (container, key, o) => deleteBlob(ctx, container, key, o),
    deleteMany: (container, keys, o) => deleteBlobs(ctx, container, keys, o),
    copy: (container, from, to, o) => copyBlob(ctx, container, from, to, o),
    presign: async (container, key, o) => presignBlob(ctx, container, key, o),
    probe: (container, o) => probeContainer(ctx, container, o),
    async close() {
      // The SDK's HTTP client keeps no timers; its keep-alive sockets are unref'd and close on idle.
    },
  };
  return adapter;
}

/** Registers Azure Blob storage as type `azure-blob`. */
export const azureBlobAdapterFactory: StorageAdapterFactory<ResolvedAzureBlobAdapterOptions> = {
  kind: 'storage',
  type: 'azure-blob',
  optionsSchema: AzureBlobAdapterOptionsSchema,
  create: (options, context) => createAzureBlobAdapter(options, context),
};
