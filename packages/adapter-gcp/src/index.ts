/**
 * Google Cloud Storage and Google Cloud Batch adapters.
 *
 * @module @polycloud/adapter-gcp
 */
export * from './storage/index.js';
export * from './compute/index.js';
