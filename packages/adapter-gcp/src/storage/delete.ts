import type { Bucket } from '@google-cloud/storage';
import { type DeleteManyResult, type DeleteOptions, PolycloudError } from '@polycloud/core';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, toGcsError } from './errors.js';
import { isGeneration } from './object-info.js';

/**
 * Deletes one object; a missing key is success. With `ifMatch` the delete carries
 * `ifGenerationMatch` and a different generation is CONDITION_NOT_MET (a missing key
 * stays success: there is nothing left to protect).
 */
export async function deleteObject(bucket: Bucket, key: string, options: DeleteOptions, ctx: GcsErrorContext): Promise<void> {
  throwIfAborted(options.signal, ctx);
  if (options.ifMatch !== undefined && !isGeneration(options.ifMatch)) {
    throw new PolycloudError('CONDITION_NOT_MET', `gcs delete: version token is not a GCS generation, so it cannot match`, {
      retryable: false,
      context: { provider: 'gcs', operation: 'delete', key },
    });
  }
  try {
    await abortable(
      bucket.file(key).delete({
        ignoreNotFound: true,
        ...(options.ifMatch !== undefined ? { ifGenerationMatch: options.ifMatch } : {}),
      }),
      options.signal,
      ctx,
    );
  } catch (e) {
    throw toGcsError(e, ctx);
  }
}

/**
 * Deletes keys with at most `concurrency` requests in flight (the SDK has no batch
 * call, so the adapter declares `batchDelete: false`). Never throws for one key:
 * failures are reported per key.
 */
export async function deleteObjects(
  bucket: Bucket,
  keys: string[],
  concurrency: number,
  signal: AbortSignal | undefined,
  ctx: GcsErrorContext,
): Promise<DeleteManyResult> {
  throwIfAborted(signal, ctx);
  const deleted: string[] = [];
  const errors: { key: string; error: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        await deleteObject(bucket, key, signal ? { signal } : {}, { ...ctx, key });
        deleted.push(key);
      } catch (e) {
        errors.push({ key, error: e as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  const order = new Map(keys.map((k, i) => [k, i]));
  deleted.sort((a, b) => order.get(a)! - order.get(b)!);
  return { deleted, errors };
}
