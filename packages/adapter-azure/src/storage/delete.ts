import { type DeleteManyResult, type DeleteOptions, PolycloudError } from '@polycloud/core/spi';
import type { AzureStorageContext } from './context.js';
import { blobKeyProblem, unstorableKey } from './context.js';
import { azureCall, mapAzureBlobError } from './errors.js';
import { toIfMatch } from './etag.js';

/** Azure's limit of sub-requests in one Blob Batch. */
export const MAX_BATCH = 256;

/**
 * Delete Blob (with its snapshots). A missing blob is success; under `ifMatch` a
 * different ETag — or no blob at all, as there is no current version to match — is
 * CONDITION_NOT_MET (the memory reference adapter's semantics).
 */
export async function deleteBlob(ctx: AzureStorageContext, container: string, key: string, options: DeleteOptions = {}): Promise<void> {
  const where = { operation: 'delete', key, container };
  const signal = options.signal ? { abortSignal: options.signal } : {};
  if (options.ifMatch === undefined) {
    await azureCall(where, options.signal, () => ctx.blob(container, key).deleteIfExists({ deleteSnapshots: 'include', ...signal }));
    return;
  }
  try {
    await azureCall(where, options.signal, () =>
      ctx.blob(container, key).delete({ deleteSnapshots: 'include', conditions: { ifMatch: toIfMatch(options.ifMatch!) }, ...signal }),
    );
  } catch (error) {
    const e = error as PolycloudError;
    if (e.code === 'NOT_FOUND' && e.context['azureCode'] === 'BlobNotFound') {
      throw new PolycloudError('CONDITION_NOT_MET', `azure-blob delete "${key}" in container "${container}": ifMatch given but the blob does not exist`, {
        cause: e.cause,
        retryable: false,
        context: { ...e.context },
      });
    }
    throw error;
  }
}

/** One Blob Batch request per 256 keys; a 404 sub-response counts as deleted. */
export async function deleteBlobs(
  ctx: AzureStorageContext,
  container: string,
  keys: string[],
  options: { signal?: AbortSignal } = {},
): Promise<DeleteManyResult> {
  const result: DeleteManyResult = { deleted: [], errors: [] };
  const batch = ctx.clients.service.getBlobBatchClient();
  const valid: string[] = [];
  for (const key of keys) {
    // A key Azure cannot hold cannot exist there either: it is reported, not sent.
    const problem = blobKeyProblem(key);
    if (problem) result.errors.push({ key, error: unstorableKey(container, key, problem) });
    else valid.push(key);
  }
  for (let i = 0; i < valid.length; i += MAX_BATCH) {
    const part = valid.slice(i, i + MAX_BATCH);
    const response = await azureCall({ operation: 'deleteMany', container }, options.signal, () =>
      batch.deleteBlobs(
        part.map((k) => ctx.blob(container, k)),
        { deleteSnapshots: 'include', ...(options.signal ? { abortSignal: options.signal } : {}) },
      ),
    );
    const subs = response.subResponses;
    part.forEach((key, j) => {
      const sub = subs[j];
      if (!sub) {
        result.errors.push({
          key,
          error: mapAzureBlobError(
            { name: 'RestError', message: 'no sub-response in the batch reply', statusCode: 500 },
            { operation: 'deleteMany', key, container },
          ),
        });
      } else if (sub.status < 300 || sub.status === 404) {
        result.deleted.push(key);
      } else {
        result.errors.push({
          key,
          error: mapAzureBlobError(
            { name: 'RestError', message: sub.statusMessage, statusCode: sub.status, code: sub.errorCode },
            { operation: 'deleteMany', key, container },
          ),
        });
      }
    });
  }
  return result;
}
