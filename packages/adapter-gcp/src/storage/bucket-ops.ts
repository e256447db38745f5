import type { Storage } from '@google-cloud/storage';
import { abortable } from './abort.js';
import { type GcsErrorContext, toGcsError } from './errors.js';

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
    throw toGcsError(e, ctx);
  }
}

/**
 * Creates the bucket (needs a projectId). 409 (it exists) is success. An endpoint
 * that does not implement bucket creation (501, e.g. the firebase-tools emulator,
 * which creates buckets on first use) is success if the bucket can be listed.
 */
export async function ensureBucket(storage: Storage, bucket: string, ctx: GcsErrorContext): Promise<void> {
  try {
    await storage.createBucket(bucket);
  } catch (e) {
    if (statusOf(e) === 409) return;
    if (statusOf(e) === 501) return probeBucket(storage, bucket, undefined, ctx);
    throw toGcsError(e, ctx);
  }
}
