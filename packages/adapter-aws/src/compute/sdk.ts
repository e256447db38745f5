import { PolycloudError } from '@polycloud/core/spi';

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
    const code = (e as { code?: unknown } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw e;
    throw new PolycloudError('CONFIG_INVALID', `the aws-batch compute adapter needs ${BATCH_SDK}: npm install ${BATCH_SDK}`, {
      cause: e,
      retryable: false,
      context: { provider: 'aws-batch', operation: 'load' },
    });
  }));
}
