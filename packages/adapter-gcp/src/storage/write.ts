import { randomUUID } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Bucket, CRC32C, type CreateWriteStreamOptions, type PreconditionOptions } from '@google-cloud/storage';
import { type AdapterBody, exactLength, lengthMismatch, PolycloudError, type PutOptions, type PutResult } from '@polycloud/core/spi';
import { throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, mapGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration } from './metadata.js';
import type { ResolvedGcsAdapterOptions } from './options.js';
import { gcsRequest } from './request.js';
import { cancelResumableOnAbort } from './resumable-cancel.js';

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
 * One multipart/related simple upload (`uploadType=multipart`), sent by the adapter
 * itself so the call's signal cancels the HTTP request: the SDK's `file.save` takes no
 * signal and would keep running after an abort. The body's CRC32C is sent in the
 * resource, so GCS refuses bytes damaged in transit.
 */
async function simpleUpload(
  bucket: Bucket,
  key: string,
  bytes: Buffer,
  options: PutOptions,
  conditions: PreconditionOptions | undefined,
  timeoutMs: number | undefined,
): Promise<GcsObjectResource> {
  const crc = new CRC32C();
  crc.update(bytes);
  const contentType = options.contentType ?? 'application/octet-stream';
  const resource = { name: key, contentType, crc32c: crc.toString(), ...(options.metadata ? { metadata: options.metadata } : {}) };
  const boundary = `polycloud-${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(resource)}\r\n--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const written = await gcsRequest<GcsObjectResource>(bucket.storage, {
    method: 'POST',
    path: `/upload/storage/v1/b/${encodeURIComponent(bucket.name)}/o`,
    query: { uploadType: 'multipart', name: key, ...(conditions ? { ifGenerationMatch: String(conditions.ifGenerationMatch) } : {}) },
    headers: { 'content-type': `multipart/related; boundary=${boundary}` },
    body,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  return written ?? {};
}

/**
 * Reads a stream into memory while it stays within `limit` bytes. A longer stream
 * comes back as `rest`: a stream of the chunks read so far followed by the remainder.
 */
async function readUpTo(body: Readable, limit: number): Promise<{ bytes: Buffer; rest?: undefined } | { bytes?: undefined; rest: Readable }> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { bytes: Buffer.concat(chunks, size) };
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size > limit) {
      const rest = async function* () {
        yield* chunks;
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
      };
      return { rest: Readable.from(rest()) };
    }
  }
}

/**
 * Uploads a body. Bytes up to `resumableThresholdBytes` go in one simple upload whose
 * request the signal cancels; larger bodies and streams use a resumable upload that
 * streams the body (one request, or `chunkSizeBytes` chunks), so memory stays bounded
 * whatever the size, and is destroyed (its request aborted) when the signal fires.
 * The object appears only when the upload completes.
 */
export async function putObject(
  bucket: Bucket,
  key: string,
  announced: AdapterBody,
  options: PutOptions,
  config: ResolvedGcsAdapterOptions,
  ctx: GcsErrorContext,
): Promise<PutResult> {
  // A stream of announced length must carry exactly that: a short one would otherwise complete as a truncated object.
  const body =
    announced instanceof Uint8Array || options.contentLength === undefined ? announced : exactLength(announced, options.contentLength, lengthMismatch);
  const conditions = putPreconditions(options, ctx);
  const errCtx: GcsErrorContext = { ...ctx, ...(options.ifNoneMatch === '*' ? { createOnly: true } : {}) };
  throwIfAborted(options.signal, errCtx);
  const file = bucket.file(key);
  const length = body instanceof Uint8Array ? body.byteLength : options.contentLength;
  let resumable = length === undefined || length > config.resumableThresholdBytes;
  let bytes: Buffer | undefined;
  let stream: Readable | undefined;
  try {
    if (body instanceof Uint8Array) {
      bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    } else if (!resumable) {
      // A stream announced as small is buffered (at most the threshold) so it also goes
      // in the cancellable simple upload (one longer than announced fails on its first
      // extra byte, above; the resumable fallback is kept should the check be moved).
      const read = await readUpTo(options.signal ? addAbortSignal(options.signal, body) : body, config.resumableThresholdBytes);
      if (read.rest) {
        resumable = true;
        stream = read.rest;
      } else {
        bytes = read.bytes;
      }
    }
  } catch (e) {
    if (options.signal?.aborted) throw abortedError(errCtx, e);
    throw mapGcsError(e, errCtx);
  }
  if (bytes && !resumable) {
    let written: GcsObjectResource;
    try {
      written = await simpleUpload(bucket, key, bytes, options, conditions, config.timeoutMs);
    } catch (e) {
      if (options.signal?.aborted) throw abortedError(errCtx, e);
      throw mapGcsError(e, errCtx);
    }
    return { key, versionToken: String(written.generation ?? ''), size: written.size !== undefined ? Number(written.size) : bytes.byteLength };
  }
  const writeOptions: CreateWriteStreamOptions = {
    resumable: true,
    metadata: {
      contentType: options.contentType ?? 'application/octet-stream',
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
    ...(conditions ? { preconditionOpts: conditions } : {}),
    ...(resumable && config.chunkSizeBytes !== undefined ? { chunkSize: config.chunkSizeBytes } : {}),
    ...(config.timeoutMs !== undefined ? { timeout: config.timeoutMs } : {}),
  };
  try {
    // Streams, and bytes too large for a simple upload.
    const source = stream ?? (body instanceof Uint8Array ? Readable.from([body]) : body);
    // Registered before the pipeline's own listener: the Upload is destroyed with an
    // error (which aborts its request) before the pipeline destroys it without one.
    const detach = options.signal ? cancelResumableOnAbort(file, options.signal) : undefined;
    const sink = file.createWriteStream(writeOptions);
    try {
      await (options.signal ? pipeline(source, sink, { signal: options.signal }) : pipeline(source, sink));
    } finally {
      detach?.();
    }
  } catch (e) {
    if (options.signal?.aborted) throw abortedError(errCtx, e);
    throw mapGcsError(e, errCtx);
  }
  const written = file.metadata as GcsObjectResource;
  return {
    key,
    versionToken: String(written.generation ?? ''),
    ...(written.size !== undefined ? { size: Number(written.size) } : length !== undefined ? { size: length } : {}),
  };
}
