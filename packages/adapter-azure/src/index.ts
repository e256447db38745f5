/**
 * Azure Blob Storage and Azure Container Instances adapters.
 *
 * @module @polycloud/adapter-azure
 */
export * from './storage/index.js';
export * from './compute/index.js';
