import type { Bucket } from '@google-cloud/storage';
import { type DeleteManyResult, type DeleteOptions, PolycloudError } from '@polycloud/core/spi';
import { throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, mapGcsError } from './errors.js';
import { isGeneration } from './metadata.js';
import { GcsHttpError, gcsRequest, objectPath } from './request.js';

const notMet = (key: string, why: string) =>
  new PolycloudError('CONDITION_NOT_MET', `gcs delete: ${why}`, {
    retryable: false,
    context: { provider: 'gcs', operation: 'delete', key },
  });

/**
 * Deletes one object (`objects.delete`, sent by the adapter so the signal cancels the
 * request). A missing key is success, except with `ifMatch`: the delete carries
 * `ifGenerationMatch`, and a different generation or no object at all is
 * CONDITION_NOT_MET (core's delete contract).
 */
export async function deleteObject(bucket: Bucket, key: string, options: DeleteOptions, ctx: GcsErrorContext, timeoutMs?: number): Promise<void> {
  throwIfAborted(options.signal, ctx);
  if (options.ifMatch !== undefined && !isGeneration(options.ifMatch)) throw notMet(key, 'version token is not a GCS generation, so it cannot match');
  try {
    await gcsRequest(bucket.storage, {
      method: 'DELETE',
      path: objectPath(bucket.name, key),
      query: { ifGenerationMatch: options.ifMatch },
      ...(options.signal ? { signal: options.signal } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  } catch (e) {
    if (options.signal?.aborted) throw abortedError(ctx, e);
    if (e instanceof GcsHttpError && e.code === 404) {
      if (options.ifMatch !== undefined) throw notMet(key, 'no object has the generation named by ifMatch (the key is missing)');
      return;
    }
    throw mapGcsError(e, ctx);
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
  timeoutMs?: number,
): Promise<DeleteManyResult> {
  throwIfAborted(signal, ctx);
  const deleted: string[] = [];
  const errors: { key: string; error: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      try {
        await deleteObject(bucket, key, signal ? { signal } : {}, { ...ctx, key }, timeoutMs);
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
