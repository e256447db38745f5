/**
 * Amazon S3 storage and AWS Batch compute adapters.
 *
 * @module @polycloud/adapter-aws
 */
export * from './storage/index.js';
export * from './compute/index.js';
