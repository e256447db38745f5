import { DeleteObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { type DeleteManyResult, type DeleteOptions, PolycloudError } from '@polycloud/core/spi';
import { type S3Context, signalled } from './context.js';
import { mapS3Error } from './errors.js';
import { etagFromVersionToken } from './version-token.js';

/**
 * DeleteObject. Idempotent: S3 answers 204 for a missing key, and a NOT_FOUND from a
 * store that answers 404 is success too. With `ifMatch`, S3 checks the ETag (412 →
 * CONDITION_NOT_MET), and a missing key is CONDITION_NOT_MET as well (core's
 * contract: the version the condition names is not there). S3 answers that case
 * with 404 NoSuchKey or 412, depending on the store; both map the same.
 */
export async function deleteObject(ctx: S3Context, bucket: string, key: string, options: DeleteOptions = {}): Promise<void> {
  try {
    await ctx.client.send(
      signalled(
        new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(options.ifMatch !== undefined ? { IfMatch: etagFromVersionToken(options.ifMatch) } : {}) }),
        options.signal,
      ),
    );
  } catch (error) {
    const mapped = ctx.fail(error, 'delete', bucket, key);
    if (mapped.code !== 'NOT_FOUND' || mapped.context['providerCode'] === 'NoSuchBucket') throw mapped;
    if (options.ifMatch === undefined) return;
    throw new PolycloudError('CONDITION_NOT_MET', `s3 delete ${bucket}/${key}: ifMatch was given but the object does not exist`, {
      retryable: false,
      cause: error,
      context: mapped.context,
    });
  }
}

const BATCH = 1000;

/** DeleteObjects in batches of ≤ 1000, Quiet mode: only failures come back. */
export async function deleteObjects(ctx: S3Context, bucket: string, keys: string[], options: { signal?: AbortSignal } = {}): Promise<DeleteManyResult> {
  const result: DeleteManyResult = { deleted: [], errors: [] };
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    let out;
    try {
      out = await ctx.client.send(
        signalled(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }), options.signal),
      );
    } catch (error) {
      throw ctx.fail(error, 'deleteMany', bucket);
    }
    const failed = new Map<string, PolycloudError>();
    for (const e of out.Errors ?? []) {
      if (e.Key === undefined) continue;
      const err = mapS3Error(
        { name: e.Code ?? 'UnknownError', Code: e.Code, message: e.Message ?? '' },
        { operation: 'deleteMany', adapter: ctx.name, bucket, key: e.Key },
      );
      if (err.code === 'NOT_FOUND') continue; // already absent counts as deleted
      failed.set(e.Key, err);
    }
    for (const key of batch) {
      const err = failed.get(key);
      if (err) result.errors.push({ key, error: err });
      else result.deleted.push(key);
    }
  }
  return result;
}
