import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket, CreateWriteStreamOptions, PreconditionOptions } from '@google-cloud/storage';
import { type AdapterBody, PolycloudError, type PutOptions, type PutResult } from '@polycloud/core';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, toGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration } from './object-info.js';
import type { ResolvedGcsAdapterOptions } from './options.js';

/** `ifNoneMatch: '*'` → generation 0 (absent); `ifMatch` → that generation. */
export function putPreconditions(options: PutOptions, ctx: GcsErrorContext): PreconditionOptions | undefined {
  if (options.ifNoneMatch === '*') return { ifGenerationMatch: 0 };
  if (options.ifMatch !== undefined) {
    if (!isGeneration(options.ifMatch)) {
      throw new PolycloudError('CONDITION_NOT_MET', `gcs ${ctx.operation}: version token is not a GCS generation, so it cannot match`, {
        retryable: false,
        context: { provider: 'gcs', operation: ctx.operation, key: ctx.key },
      });
    }
    return { ifGenerationMatch: options.ifMatch };
  }
  return undefined;
}

/**
 * Uploads a body. Bytes up to `resumableThresholdBytes` (and streams whose
 * `contentLength` is that small) go in one simple upload; larger bodies and streams of
 * unknown length use a resumable upload that streams the body (one request, or
 * `chunkSizeBytes` chunks), so memory stays bounded whatever the size. The object
 * appears only when the upload completes.
 */
export async function putObject(
  bucket: Bucket,
  key: string,
  body: AdapterBody,
  options: PutOptions,
  config: ResolvedGcsAdapterOptions,
  ctx: GcsErrorContext,
): Promise<PutResult> {
  const conditions = putPreconditions(options, ctx);
  const errCtx: GcsErrorContext = { ...ctx, ...(options.ifNoneMatch === '*' ? { createOnly: true } : {}) };
  throwIfAborted(options.signal, errCtx);
  const file = bucket.file(key);
  const length = body instanceof Uint8Array ? body.byteLength : options.contentLength;
  const resumable = length === undefined || length > config.resumableThresholdBytes;
  const writeOptions: CreateWriteStreamOptions = {
    resumable,
    metadata: {
      contentType: options.contentType ?? 'application/octet-stream',
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
    ...(conditions ? { preconditionOpts: conditions } : {}),
    ...(resumable && config.chunkSizeBytes !== undefined ? { chunkSize: config.chunkSizeBytes } : {}),
    ...(config.timeoutMs !== undefined ? { timeout: config.timeoutMs } : {}),
  };
  try {
    if (body instanceof Uint8Array && !resumable) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      await abortable(file.save(bytes, writeOptions), options.signal, errCtx);
    } else {
      const source = body instanceof Uint8Array ? Readable.from([body]) : body;
      const sink = file.createWriteStream(writeOptions);
      await (options.signal ? pipeline(source, sink, { signal: options.signal }) : pipeline(source, sink));
    }
  } catch (e) {
    if (options.signal?.aborted) throw abortedError(errCtx, e);
    throw toGcsError(e, errCtx);
  }
  const written = file.metadata as GcsObjectResource;
  return {
    key,
    versionToken: String(written.generation ?? ''),
    ...(written.size !== undefined ? { size: Number(written.size) } : length !== undefined ? { size: length } : {}),
  };
}
