import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { CopyOptions, PutResult } from '@polycloud/core/spi';
import { type S3Context, signalled } from './context.js';
import { encodeMetadata } from './metadata.js';
import { etagFromVersionToken, versionTokenFromEtag } from './version-token.js';

/**
 * The `x-amz-copy-source` value: `bucket/key`, each key segment percent-encoded as
 * S3 requires (the SDK sends the header as given). `/` separators stay.
 */
export function copySource(bucket: string, key: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${enc(bucket)}/${key.split('/').map(enc).join('/')}`;
}

/**
 * Server-side CopyObject (objects up to 5 GiB). Without `metadata` / `contentType`
 * the source's are copied (MetadataDirective COPY). With either, S3 must REPLACE both,
 * so the one not given is read from the source first (HeadObject) and kept.
 */
export async function copyObject(ctx: S3Context, bucket: string, sourceKey: string, destinationKey: string, options: CopyOptions = {}): Promise<PutResult> {
  const replace = options.metadata !== undefined || options.contentType !== undefined;
  try {
    let contentType = options.contentType;
    let metadata = encodeMetadata(options.metadata);
    if (replace && (contentType === undefined || metadata === undefined)) {
      const src = await ctx.client.send(
        signalled(
          new HeadObjectCommand({
            Bucket: bucket,
            Key: sourceKey,
            ...(options.sourceIfMatch !== undefined ? { IfMatch: etagFromVersionToken(options.sourceIfMatch) } : {}),
          }),
          options.signal,
        ),
      );
      contentType ??= src.ContentType;
      metadata ??= src.Metadata ?? {};
    }
    const out = await ctx.client.send(
      signalled(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: destinationKey,
          CopySource: copySource(bucket, sourceKey),
          ...(options.sourceIfMatch !== undefined ? { CopySourceIfMatch: etagFromVersionToken(options.sourceIfMatch) } : {}),
          ...(replace
            ? { MetadataDirective: 'REPLACE' as const, Metadata: metadata ?? {}, ...(contentType !== undefined ? { ContentType: contentType } : {}) }
            : { MetadataDirective: 'COPY' as const }),
        }),
        options.signal,
      ),
    );
    return { key: destinationKey, versionToken: versionTokenFromEtag(out.CopyObjectResult?.ETag) };
  } catch (error) {
    throw ctx.fail(error, 'copy', bucket, sourceKey);
  }
}
