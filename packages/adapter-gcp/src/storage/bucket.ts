import type { Storage } from '@google-cloud/storage';
import { abortable } from './abort.js';
import { PolycloudError, isPolycloudError } from '@polycloud/core/spi';
import { type GcsErrorContext, mapGcsError } from './errors.js';

const statusOf = (e: unknown) => (e as { code?: unknown } | null)?.code;

/**
 * Health check: a one-item listing of the bucket (works with only
 * `storage.objects.list`, and on endpoints that do not serve bucket metadata, like
 * the firebase-tools emulator). Missing bucket → NOT_FOUND.
 */
export async function probeBucket(storage: Storage, bucket: string, signal: AbortSignal | undefined, ctx: GcsErrorContext): Promise<void> {
  try {
    await abortable(storage.bucket(bucket).getFiles({ autoPaginate: false, maxResults: 1 }), signal, ctx);
  } catch (e) {
    throw mapGcsError(e, ctx);
  }
}

/**
 * Creates the bucket (needs a projectId). Bucket names are global, so a 409 only says
 * the name is taken: it is success only if the bucket then answers a listing (it is
 * ours, or at least usable). A listing refused with 401/403 (another project owns the
 * name, or this identity lacks access) → PERMISSION_DENIED; a listing answered 404 (the
 * name is taken but no bucket is visible) → ALREADY_EXISTS; other listing failures
 * (UNAVAILABLE…) are thrown as mapped. An endpoint that does not implement bucket
 * creation (501, e.g. the firebase-tools emulator, which creates buckets on first use)
 * is success if the bucket can be listed.
 */
export async function ensureBucket(storage: Storage, bucket: string, ctx: GcsErrorContext): Promise<void> {
  const createCtx: GcsErrorContext = { ...ctx, createOnly: true };
  try {
    await storage.createBucket(bucket);
  } catch (e) {
    if (statusOf(e) === 501) return probeBucket(storage, bucket, undefined, ctx);
    if (statusOf(e) !== 409) throw mapGcsError(e, createCtx);
    try {
      await probeBucket(storage, bucket, undefined, ctx);
    } catch (probeError) {
      if (isPolycloudError(probeError, 'PERMISSION_DENIED')) {
        throw new PolycloudError(
          'PERMISSION_DENIED',
          `gcs ensureBucket gs://${bucket}: the name is taken and the bucket cannot be listed (another project owns it, or this identity lacks storage.objects.list)`,
          {
            retryable: false,
            cause: probeError,
            context: { provider: 'gcs', operation: 'ensureBucket', bucket },
          },
        );
      }
      if (isPolycloudError(probeError, 'NOT_FOUND')) {
        throw new PolycloudError('ALREADY_EXISTS', `gcs ensureBucket gs://${bucket}: the name is taken but no such bucket is visible`, {
          retryable: false,
          cause: probeError,
          context: { provider: 'gcs', operation: 'ensureBucket', bucket },
        });
      }
      throw probeError;
    }
  }
}
