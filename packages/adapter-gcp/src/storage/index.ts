export { createGcsAdapter, gcsAdapterFactory, type GcsAdapterInternals, type GcsStorageAdapter } from './gcs-adapter.js';
export { GcsAdapterOptionsSchema, type GcsAdapterOptions, type ResolvedGcsAdapterOptions } from './options.js';
export { toGcsError, type GcsErrorContext } from './errors.js';
export { gcsCapabilities } from './capabilities.js';
