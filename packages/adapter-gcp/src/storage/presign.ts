import type { Bucket } from '@google-cloud/storage';
import type { PresignOptions } from '@polycloud/core/spi';
import { type GcsErrorContext, mapGcsError } from './errors.js';

/**
 * A V4 signed URL, signed locally with the service account's private key (no
 * request is made). The URL is a secret: never log it.
 */
export async function presignObject(bucket: Bucket, key: string, options: PresignOptions, now: () => number, ctx: GcsErrorContext): Promise<string> {
  try {
    const signedAt = now();
    const [url] = await bucket.file(key).getSignedUrl({
      version: 'v4',
      action: options.method === 'GET' ? 'read' : 'write',
      accessibleAt: new Date(signedAt),
      expires: signedAt + options.expiresInSeconds * 1000,
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    });
    return url;
  } catch (e) {
    throw mapGcsError(e, ctx);
  }
}
