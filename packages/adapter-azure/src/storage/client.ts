import { AnonymousCredential, BlobServiceClient, type StoragePipelineOptions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { PolycloudError, redact, registerSecrets } from '@polycloud/core/spi';
import type { ResolvedAzureBlobAdapterOptions } from './options.js';

/** The SDK client plus what presigning needs. */
export interface AzureClients {
  service: BlobServiceClient;
  /** Present when an account key is known: SAS URLs can then be signed locally. */
  sharedKey?: StorageSharedKeyCredential;
  /** Which credential form the options used (for docs and errors; never the secret). */
  auth: 'connectionString' | 'accountKey' | 'sas' | 'tokenCredential';
}

const publicEndpoint = (account: string) => `https://${account}.blob.core.windows.net`;

/** Builds the BlobServiceClient for one adapter instance, with the SDK's retries set to `maxTries`. */
export function createAzureClients(o: ResolvedAzureBlobAdapterOptions): AzureClients {
  const pipeline: StoragePipelineOptions = {
    retryOptions: { maxTries: o.maxTries },
    keepAliveOptions: { enable: true },
    userAgentOptions: { userAgentPrefix: 'polycloud' },
    // Not in StoragePipelineOptions' type, but the SDK hands its options to core-rest-pipeline's createPipelineFromOptions, which adds a tlsPolicy.
    ...(o.tlsCa !== undefined ? ({ tlsOptions: { ca: o.tlsCa } } as object) : {}),
  };
  if (o.connectionString !== undefined) {
    registerSecrets(secretsOfConnectionString(o.connectionString));
    let service: BlobServiceClient;
    try {
      service = BlobServiceClient.fromConnectionString(o.connectionString, pipeline);
    } catch (error) {
      const why = error instanceof Error ? redact(error.message) : 'unparseable';
      throw new PolycloudError('CONFIG_INVALID', `invalid azure-blob connectionString: ${why}`, {
        cause: error,
        retryable: false,
        context: { provider: 'azure-blob', path: ['connectionString'], issues: [{ path: ['connectionString'], message: why }] },
      });
    }
    const credential = service.credential;
    return { service, auth: 'connectionString', ...(credential instanceof StorageSharedKeyCredential ? { sharedKey: credential } : {}) };
  }
  if (o.accountKey !== undefined) {
    registerSecrets([o.accountKey]);
    const sharedKey = new StorageSharedKeyCredential(o.accountName!, o.accountKey);
    return { service: new BlobServiceClient(o.endpoint ?? publicEndpoint(o.accountName!), sharedKey, pipeline), sharedKey, auth: 'accountKey' };
  }
  if (o.sasUrl !== undefined || o.sasToken !== undefined) {
    let url: string;
    if (o.sasUrl !== undefined) {
      url = o.sasUrl;
      registerSecrets([new URL(o.sasUrl).searchParams.get('sig') ?? undefined, /[?&]sig=([^&#]+)/i.exec(o.sasUrl)?.[1]]);
    } else {
      const token = o.sasToken!.replace(/^\?/, '');
      registerSecrets([token, new URLSearchParams(token).get('sig') ?? undefined, /(?:^|&)sig=([^&#]+)/i.exec(token)?.[1]]);
      const base = new URL(o.endpoint ?? publicEndpoint(o.accountName!));
      base.search = token;
      url = base.toString();
    }
    return { service: new BlobServiceClient(url, new AnonymousCredential(), pipeline), auth: 'sas' };
  }
  return { service: new BlobServiceClient(o.endpoint ?? publicEndpoint(o.accountName!), o.credential!, pipeline), auth: 'tokenCredential' };
}

function secretsOfConnectionString(cs: string): string[] {
  const out: string[] = [];
  for (const part of cs.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim().toLowerCase();
    const value = part.slice(i + 1).trim();
    if (name === 'accountkey') out.push(value);
    if (name === 'sharedaccesssignature') out.push(value, new URLSearchParams(value).get('sig') ?? '');
  }
  return out;
}
