import type { Bucket } from '@google-cloud/storage';
import { type DeleteOptions, PolycloudError } from '@polycloud/core/spi';
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
