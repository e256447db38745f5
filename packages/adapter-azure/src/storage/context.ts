import type { BlobServiceClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { PolycloudError } from '@polycloud/core/spi';
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
  return {
    clients,
    options,
    container,
    blob: (name, key) => {
      const problem = blobKeyProblem(key);
      if (problem) throw unstorableKey(name, key, problem);
      return container(name).getBlockBlobClient(key);
    },
  };
}

/**
 * Why Azure cannot hold `key` faithfully, or undefined. Blob URLs go through URL
 * normalisation, which resolves `.` and `..` path segments (also percent-encoded),
 * so `a/../b` would silently address `b`; and the service turns `\` into `/`.
 * Such keys are refused rather than stored under another name.
 */
export function unstorableKey(container: string, key: string, problem: string): PolycloudError {
  return new PolycloudError('INVALID_ARGUMENT', `azure-blob cannot store the key "${key}": ${problem}`, {
    context: { provider: 'azure-blob', key, container, path: ['key'] },
    retryable: false,
  });
}

export function blobKeyProblem(key: string): string | undefined {
  if (key.includes('\\')) return 'the blob service stores a backslash as "/"';
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) return 'a "." or ".." path segment would be resolved away in the blob URL';
  return undefined;
}
