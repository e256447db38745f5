import type { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { throwMissingPeer } from '@polycloud/core/spi';
import type { ResolvedAzureAciAdapterOptions } from './options.js';

export const ACI_SDK = '@azure/arm-containerinstance';

let loading: Promise<typeof import('@azure/arm-containerinstance')> | undefined;

/**
 * Loads the ARM Container Instances SDK on first use, not when the adapter package
 * loads: a storage-only application neither installs nor loads it. Missing →
 * CONFIG_INVALID naming the package to install.
 */
export function loadAciSdk(): Promise<typeof import('@azure/arm-containerinstance')> {
  return (loading ??= import('@azure/arm-containerinstance').catch((e: unknown) => {
    loading = undefined;
    return throwMissingPeer(e, ACI_SDK, 'azure-aci');
  }));
}

/** The ARM client for validated options: the injected `client`, or a new ContainerInstanceManagementClient (its SDK loaded on first use). */
export async function createAzureAciClient(o: ResolvedAzureAciAdapterOptions): Promise<ContainerInstanceManagementClient> {
  // The option is typed structurally (AzureAciClientLike); what is passed is the SDK's client.
  if (o.client) return o.client as unknown as ContainerInstanceManagementClient;
  const { ContainerInstanceManagementClient: Client } = await loadAciSdk();
  return new Client(o.credential!, o.subscriptionId, {
    retryOptions: { maxRetries: o.maxRetries },
    ...(o.endpoint ? { endpoint: o.endpoint, $host: o.endpoint } : {}),
    ...(o.httpClient ? { httpClient: o.httpClient as never } : {}),
  });
}
