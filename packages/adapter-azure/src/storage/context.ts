import type { BlobServiceClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { AzureClients } from './client.js';
import type { ResolvedAzureBlobAdapterOptions } from './options.js';

/** What every operation of one adapter instance shares. */
export interface AzureStorageContext {
  readonly clients: AzureClients;
  readonly options: ResolvedAzureBlobAdapterOptions;
  container(name: string): ContainerClient;
  blob(container: string, key: string): BlockBlobClient;
}

export function createStorageContext(clients: AzureClients, options: ResolvedAzureBlobAdapterOptions): AzureStorageContext {
  const service: BlobServiceClient = clients.service;
  const containers = new Map<string, ContainerClient>();
  const container = (name: string): ContainerClient => {
    let c = containers.get(name);
    if (!c) {
      if (containers.size > 256) containers.clear();
      containers.set(name, (c = service.getContainerClient(name)));
    }
    return c;
  };
  return { clients, options, container, blob: (name, key) => container(name).getBlockBlobClient(key) };
}
