export { createAwsBatchAdapter, awsBatchAdapterFactory } from './adapter.js';
export {
  AwsBatchAdapterOptionsSchema,
  AwsBatchTargetOptionsSchema,
  type AwsBatchAdapterOptions,
  type ResolvedAwsBatchAdapterOptions,
  type AwsBatchTargetOptions,
} from './options.js';
export { mapAwsBatchError, mapBatchError } from './errors.js';
