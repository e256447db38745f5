export { createAzureAciAdapter, azureAciAdapterFactory, createAzureContainerInstancesAdapter } from './adapter.js';
export {
  AzureAciAdapterOptionsSchema,
  AzureAciTargetOptionsSchema,
  type AzureAciAdapterOptions,
  type ResolvedAzureAciAdapterOptions,
  type AzureAciTargetOptions,
} from './options.js';
export { mapAzureAciError, mapAciError } from './errors.js';
