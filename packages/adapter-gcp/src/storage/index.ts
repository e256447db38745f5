export { createGcsAdapter, gcsAdapterFactory } from './adapter.js';
export { GcsAdapterOptionsSchema, type GcsAdapterOptions, type ResolvedGcsAdapterOptions } from './options.js';
export { mapGcsError, toGcsError } from './errors.js';
