import { DEFAULT_STORAGE_CAPABILITIES, parseWithSchema, type AdapterContext, type StorageAdapter, type StorageCapabilities } from '@polycloud/core/spi';
import { createAzureClients } from './client.js';
import { createStorageContext } from './context.js';
import { deleteBlob, deleteBlobs, MAX_BATCH } from './delete.js';
import { azureCall } from './errors.js';
import { listBlobs, MAX_LIST_PAGE } from './list.js';
import { type AzureBlobAdapterOptions, AzureBlobAdapterOptionsSchema } from './options.js';
import { presignBlob } from './presign.js';
import { getBlob, headBlob } from './read.js';
import { copyBlob } from './copy.js';
import { putBlob } from './write.js';

const MiB = 1024 * 1024;

/** Azure Blob limits (service version 2021+): block blobs of 50,000 blocks of up to 4000 MiB. */
function capabilitiesOf(presign: boolean, blockSizeBytes: number): StorageCapabilities {
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

/**
 * A StorageAdapter for Azure Blob Storage (block blobs) on `@azure/storage-blob`.
 * Physical buckets are containers; the version token is the blob's ETag.
 */
export function createAzureBlobAdapter(options: AzureBlobAdapterOptions, context: Partial<AdapterContext> = {}): StorageAdapter {
  const parsed = parseWithSchema(AzureBlobAdapterOptionsSchema, options, 'invalid options for azure-blob adapter');
  const clients = createAzureClients(parsed);
  const ctx = createStorageContext(clients, parsed);
  const capabilities = Object.freeze(capabilitiesOf(clients.sharedKey !== undefined, parsed.blockSizeBytes));
  const signalOf = (o?: { signal?: AbortSignal }) => (o?.signal ? { abortSignal: o.signal } : {});

  const adapter: StorageAdapter = {
    type: 'azure-blob',
    name: context.name ?? 'azure-blob',
    capabilities,
    async ensureBucket(container) {
      await azureCall({ operation: 'ensureBucket', container }, undefined, () => ctx.container(container).createIfNotExists());
    },
    put: (container, key, body, o) => putBlob(ctx, container, key, body, o),
    get: (container, key, o) => getBlob(ctx, container, key, o),
    head: (container, key, o) => headBlob(ctx, container, key, o),
    list: (container, o) => listBlobs(ctx, container, o),
    delete: (container, key, o) => deleteBlob(ctx, container, key, o),
    deleteMany: (container, keys, o) => deleteBlobs(ctx, container, keys, o),
    copy: (container, from, to, o) => copyBlob(ctx, container, from, to, o),
    presign: async (container, key, o) => presignBlob(ctx, container, key, o),
    async probe(container, o) {
      await azureCall({ operation: 'probe', container }, o?.signal, () => ctx.container(container).getProperties(signalOf(o)));
    },
    async close() {
      // The SDK's HTTP client keeps no timers; its keep-alive sockets are unref'd and close on idle.
    },
  };
  return adapter;
}
