import { AbortMultipartUploadCommand, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, type Readable, Transform } from 'node:stream';
import { type AdapterBody, exactLength, lengthMismatch, PolycloudError, type PutOptions, type PutResult } from '@polycloud/core/spi';
import { type S3Context, signalled } from './context.js';
import { encodeMetadata, isEmpty } from './metadata.js';
import { etagFromVersionToken, versionTokenFromEtag } from './version-token.js';

/**
 * PutObject for byte bodies up to the multipart threshold; lib-storage `Upload` for
 * streams and larger bodies (memory bounded by partSizeBytes × queueSize). Conditions
 * go natively: `If-Match` / `If-None-Match: *` on PutObject, and on
 * CompleteMultipartUpload for multipart uploads.
 */
export async function putObject(ctx: S3Context, bucket: string, key: string, body: AdapterBody, options: PutOptions = {}): Promise<PutResult> {
  // No metadata and empty metadata are the same object on S3: skip the SDK's header work for `{}`.
  const metadata = options.metadata && !isEmpty(options.metadata) ? encodeMetadata(options.metadata) : undefined;
  // Property by property (no spreads): this runs on every put.
  const params: PutObjectCommandInput = { Bucket: bucket, Key: key };
  if (options.contentType !== undefined) params.ContentType = options.contentType;
  if (metadata !== undefined) params.Metadata = metadata;
  if (options.ifMatch !== undefined) params.IfMatch = etagFromVersionToken(options.ifMatch);
  if (options.ifNoneMatch !== undefined) params.IfNoneMatch = options.ifNoneMatch;
  const failPut = (error: unknown) => {
    const mapped = ctx.fail(error, 'put', bucket, key);
    // If-None-Match: * on an existing key: S3 answers 412; the contract's name for it is ALREADY_EXISTS.
    if (mapped.code === 'CONDITION_NOT_MET' && options.ifNoneMatch === '*') {
      return new PolycloudError('ALREADY_EXISTS', `s3 put ${bucket}/${key}: the key already exists (If-None-Match: *)`, {
        retryable: false,
        cause: error,
        context: mapped.context,
      });
    }
    return mapped;
  };

  if (body instanceof Uint8Array && body.byteLength <= ctx.multipartThresholdBytes) {
    try {
      params.Body = body;
      params.ContentLength = body.byteLength;
      const out = await ctx.client.send(signalled(new PutObjectCommand(params), options.signal));
      return { key, versionToken: versionTokenFromEtag(out.ETag), size: body.byteLength };
    } catch (error) {
      throw failPut(error);
    }
  }

  const size = body instanceof Uint8Array ? body.byteLength : options.contentLength;
  // A stream of unknown length is counted on its way through, so the result has a size; one of announced
  // length must carry exactly that (a short one would otherwise complete as a truncated object).
  let counted = 0;
  const source =
    size !== undefined
      ? body instanceof Uint8Array
        ? body
        : exactLength(body, size, lengthMismatch)
      : pipeline(body as Readable, new Transform({ transform: (chunk: Buffer, _e, cb) => ((counted += chunk.length), cb(null, chunk)) }), () => undefined);
  const upload = new Upload({
    client: ctx.client,
    params: { ...params, Body: source, ...(size !== undefined ? { ContentLength: size } : {}) },
    partSize: multipartPartSize(ctx.options.partSizeBytes, size),
    queueSize: ctx.options.queueSize,
    // We abort ourselves, best effort: some stores (s3rver) answer AbortMultipartUpload
    // with 405, and lib-storage would then throw that instead of the real failure.
    leavePartsOnError: true,
  });
  const onAbort = () => void upload.abort();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out = await upload.done();
    return { key, versionToken: versionTokenFromEtag(out.ETag), size: size ?? counted };
  } catch (error) {
    // The body cannot be sent again: release it (a file stream closes its descriptor).
    if (source !== body && !(source as Readable).destroyed) (source as Readable).destroy();
    if (!(body instanceof Uint8Array) && !body.destroyed) body.destroy();
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    if (uploadId) {
      await ctx.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    }
    throw failPut(
      options.signal?.aborted && !(error instanceof PolycloudError) ? Object.assign(new Error('put was aborted'), { name: 'AbortError', cause: error }) : error,
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** S3 multipart uploads have at most 10 000 parts, each at most 5 GiB. */
export const MAX_PARTS = 10_000;

/**
 * The part size for an upload: the configured one, or — for a body of known length
 * that would need more than 10 000 parts — the smallest that fits it in 10 000.
 */
export function multipartPartSize(configured: number, size: number | undefined): number {
  if (size === undefined || size <= configured * MAX_PARTS) return configured;
  return Math.min(5 * 1024 ** 3, Math.ceil(size / MAX_PARTS));
}
