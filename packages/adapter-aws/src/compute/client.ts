import type { BatchClient } from '@aws-sdk/client-batch';
import { throwMissingPeer } from '@polycloud/core/spi';
import type { ResolvedAwsBatchAdapterOptions } from './options.js';

/** `@aws-sdk/client-batch`, an optional peer dependency: only compute needs it. */
export type BatchSdk = typeof import('@aws-sdk/client-batch');

export const BATCH_SDK = '@aws-sdk/client-batch';

let loading: Promise<BatchSdk> | undefined;

/**
 * Loads the AWS Batch SDK on first use, not when the adapter package loads: a
 * storage-only application neither installs nor loads it. Missing → CONFIG_INVALID
 * naming the package to install.
 */
export function loadBatchSdk(): Promise<BatchSdk> {
  return (loading ??= import('@aws-sdk/client-batch').catch((e: unknown) => {
    loading = undefined;
    return throwMissingPeer(e, BATCH_SDK, 'aws-batch');
  }));
}

/** A Batch client and the SDK its commands come from. */
export interface AwsBatch {
  client: BatchClient;
  sdk: BatchSdk;
}

/** The Batch client for validated options: the injected `client`, or a new one (the SDK loaded on first use). */
export async function createAwsBatchClient(o: ResolvedAwsBatchAdapterOptions): Promise<AwsBatch> {
  const sdk = await loadBatchSdk();
  // The option is typed structurally (AwsBatchClientLike); what is passed is a BatchClient.
  if (o.client) return { client: o.client as unknown as BatchClient, sdk };
  const client = new sdk.BatchClient({
    region: o.region,
    maxAttempts: o.maxAttempts,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.accessKey && o.secretKey
      ? { credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } }
      : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  });
  return { client, sdk };
}
