import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PolycloudError, type PresignOptions } from '@polycloud/core/spi';
import type { S3Context } from './context.js';

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/** A SigV4 query-signed URL for one GET or PUT. The URL is a secret: never log it. */
export async function presignObject(ctx: S3Context, bucket: string, key: string, options: PresignOptions): Promise<string> {
  const expiresIn = options.expiresInSeconds;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRY_SECONDS) {
    throw new PolycloudError('INVALID_ARGUMENT', `expiresInSeconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`, {
      retryable: false,
      context: { provider: 's3', operation: 'presign', path: ['expiresInSeconds'] },
    });
  }
  const command =
    options.method === 'PUT'
      ? new PutObjectCommand({ Bucket: bucket, Key: key, ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}) })
      : new GetObjectCommand({ Bucket: bucket, Key: key });
  try {
    return await getSignedUrl(ctx.client, command, { expiresIn });
  } catch (error) {
    throw ctx.fail(error, 'presign', bucket, key);
  }
}
