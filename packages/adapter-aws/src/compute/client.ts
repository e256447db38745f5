import type { BatchClient } from '@aws-sdk/client-batch';
import type { ResolvedAwsBatchAdapterOptions } from './options.js';
import { type BatchSdk, loadBatchSdk } from './sdk.js';

/** A Batch client and the SDK its commands come from. */
export interface AwsBatch {
  client: BatchClient;
  sdk: BatchSdk;
}

/** The Batch client for validated options: the injected `client`, or a new one (the SDK loaded on first use). */
export async function createAwsBatchClient(o: ResolvedAwsBatchAdapterOptions): Promise<AwsBatch> {
  const sdk = await loadBatchSdk();
  if (o.client) return { client: o.client, sdk };
  const client = new sdk.BatchClient({
    region: o.region,
    maxAttempts: o.maxAttempts,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.accessKey && o.secretKey ? { credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
  return { client, sdk };
}
