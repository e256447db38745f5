import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { ResolvedAzureAciAdapterOptions } from './options.js';

/** The ARM client for validated options: the injected `client`, or a new ContainerInstanceManagementClient. */
export function createAzureAciClient(o: ResolvedAzureAciAdapterOptions): ContainerInstanceManagementClient {
  if (o.client) return o.client;
  return new ContainerInstanceManagementClient(o.credential!, o.subscriptionId, {
    retryOptions: { maxRetries: o.maxRetries },
    ...(o.endpoint ? { endpoint: o.endpoint, $host: o.endpoint } : {}),
    ...(o.httpClient ? { httpClient: o.httpClient as never } : {}),
  });
}
