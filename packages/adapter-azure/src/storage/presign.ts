import { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol } from '@azure/storage-blob';
import { PolycloudError, type PresignOptions } from '@polycloud/core/spi';
import type { AzureStorageContext } from './context.js';

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * A service SAS for one blob, signed locally with the account key: `r` for GET,
 * `cw` for PUT (the client must send `x-ms-blob-type: BlockBlob`). For GET a
 * `contentType` becomes the response's Content-Type (`rsct`). Valid from one minute
 * ago (clock skew) until `expiresInSeconds` from now. Needs an account key
 * (connection string with AccountKey, or accountName + accountKey).
 */
export function presignBlob(ctx: AzureStorageContext, container: string, key: string, options: PresignOptions, now = Date.now()): string {
  const credential = ctx.clients.sharedKey;
  if (!credential) {
    throw new PolycloudError('UNSUPPORTED', 'azure-blob presign needs an account key (this adapter authenticates with a SAS or a TokenCredential)', {
      context: { provider: 'azure-blob', operation: 'presign', capability: 'presign', key },
      retryable: false,
    });
  }
  const seconds = options.expiresInSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
    throw new PolycloudError('INVALID_ARGUMENT', `expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`, {
      context: { provider: 'azure-blob', operation: 'presign', key, path: ['expiresInSeconds'] },
      retryable: false,
    });
  }
  const client = ctx.blob(container, key);
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      blobName: key,
      permissions: BlobSASPermissions.parse(options.method === 'GET' ? 'r' : 'cw'),
      startsOn: new Date(now - 60_000),
      expiresOn: new Date(now + seconds * 1000),
      protocol: client.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
      ...(options.method === 'GET' && options.contentType ? { contentType: options.contentType } : {}),
    },
    credential,
  );
  return `${client.url}?${sas.toString()}`;
}
