export { createGcpBatchAdapter, gcpBatchAdapterFactory } from './adapter.js';
export {
  GcpBatchAdapterOptionsSchema,
  GcpBatchTargetOptionsSchema,
  type GcpBatchAdapterOptions,
  type ResolvedGcpBatchAdapterOptions,
  type GcpBatchTargetOptions,
} from './options.js';
export type { GcpBatchClient } from './client.js';
export { mapGcpBatchError } from './errors.js';
