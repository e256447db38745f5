export { createAzureContainerInstancesAdapter, azureAciAdapterFactory, ACI_NAME } from './adapter.js';
export { AzureAciAdapterOptionsSchema, AzureAciTargetOptionsSchema, type AzureAciAdapterOptions, type ResolvedAzureAciAdapterOptions, type AzureAciTargetOptions } from './options.js';
export { mapAciError } from './errors.js';
export { aciSize, aciTags, containerGroupFor, ACI_CONTAINER_NAME } from './request.js';
export { aciJobState, toAciJobStatus } from './status.js';
