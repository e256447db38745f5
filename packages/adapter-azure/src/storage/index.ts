export { createAzureBlobAdapter, azureBlobAdapterFactory } from './adapter.js';
export { AzureBlobAdapterOptionsSchema, type AzureBlobAdapterOptions, type ResolvedAzureBlobAdapterOptions } from './options.js';
export { mapAzureBlobError, mapAzureError } from './errors.js';
