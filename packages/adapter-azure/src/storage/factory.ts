import type { StorageAdapterFactory } from '@polycloud/core/spi';
import { createAzureBlobAdapter } from './adapter.js';
import { type ResolvedAzureBlobAdapterOptions, AzureBlobAdapterOptionsSchema } from './options.js';

/** Registers Azure Blob storage as type `azure-blob`. */
export const azureBlobAdapterFactory: StorageAdapterFactory<ResolvedAzureBlobAdapterOptions> = {
  kind: 'storage',
  type: 'azure-blob',
  optionsSchema: AzureBlobAdapterOptionsSchema,
  create: (options, context) => createAzureBlobAdapter(options, context),
};
