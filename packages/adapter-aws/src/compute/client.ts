import { BatchClient } from '@aws-sdk/client-batch';
import type { ResolvedAwsBatchAdapterOptions } from './options.js';

/** The Batch client for validated options: the injected `client`, or a new one. */
export function createAwsBatchClient(o: ResolvedAwsBatchAdapterOptions): BatchClient {
  if (o.client) return o.client;
  return new BatchClient({
    region: o.region,
    maxAttempts: o.maxAttempts,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.accessKey && o.secretKey ? { credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
}
