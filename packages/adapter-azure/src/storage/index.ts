export { createAzureBlobAdapter } from './adapter.js';
export { azureBlobAdapterFactory } from './factory.js';
export { AzureBlobAdapterOptionsSchema, type AzureBlobAdapterOptions, type ResolvedAzureBlobAdapterOptions } from './options.js';
export { mapAzureError } from './errors.js';
export { encodeMetadata, decodeMetadata, encodeMetadataName, decodeMetadataName, encodeMetadataValue, decodeMetadataValue } from './metadata.js';
