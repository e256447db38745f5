import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ResolvedGcsAdapterOptions } from './options.js';

/**
 * The `Storage` client for validated options. SDK retries are off unless
 * `autoRetry` (core retries). With a custom endpoint and no credentials, requests
 * go unauthenticated (emulators); for emulators also set
 * `METADATA_SERVER_DETECTION=none` in the environment so the SDK never probes the
 * GCE metadata server (the adapter does not touch `process.env`).
 */
export function createStorageClient(options: ResolvedGcsAdapterOptions): Storage {
  const hasCredentials = options.credentials !== undefined || options.keyFilename !== undefined;
  const config: StorageOptions = {
    retryOptions: { autoRetry: options.autoRetry, maxRetries: options.autoRetry ? 3 : 0 },
  };
  if (options.projectId !== undefined) config.projectId = options.projectId;
  if (options.apiEndpoint !== undefined) {
    config.apiEndpoint = options.apiEndpoint.replace(/\/+$/, '');
    config.useAuthWithCustomEndpoint = options.useAuthWithCustomEndpoint ?? hasCredentials;
  }
  if (options.keyFilename !== undefined) config.keyFilename = options.keyFilename;
  if (options.credentials !== undefined) {
    config.credentials = { client_email: options.credentials.client_email, private_key: options.credentials.private_key };
  }
  if (options.timeoutMs !== undefined) config.timeout = options.timeoutMs;
  return new Storage(config);
}
