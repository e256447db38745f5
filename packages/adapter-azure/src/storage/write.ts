import type { BlobHTTPHeaders, BlobRequestConditions } from '@azure/storage-blob';
import { type AdapterBody, exactLength, isPolycloudError, lengthMismatch, PolycloudError, type PutOptions, type PutResult } from '@polycloud/core/spi';
import type { AzureStorageContext } from './context.js';
import { azureCall } from './errors.js';
import { toIfMatch, toVersionToken } from './etag.js';
import { encodeMetadata } from './metadata.js';
import { peek } from './peek.js';

function conditionsOf(o: { ifMatch?: string; ifNoneMatch?: '*' }): BlobRequestConditions | undefined {
  if (o.ifMatch === undefined && o.ifNoneMatch === undefined) return undefined;
  return { ...(o.ifMatch !== undefined ? { ifMatch: toIfMatch(o.ifMatch) } : {}), ...(o.ifNoneMatch !== undefined ? { ifNoneMatch: o.ifNoneMatch } : {}) };
}

/**
 * Put Blob for byte arrays up to `maxSingleShotBytes` and for streams that end
 * within one block; larger arrays are staged in parallel blocks, and longer streams
 * go through `uploadStream`, which buffers at most `concurrency` blocks of
 * `blockSizeBytes`. Blocks stay invisible until the final
 * Put Block List, which carries the conditions: a failed or refused upload never
 * replaces the current version.
 */
export async function putBlob(ctx: AzureStorageContext, container: string, key: string, announced: AdapterBody, options: PutOptions = {}): Promise<PutResult> {
  // A stream of announced length must carry exactly that: Put Block List would commit a short one.
  const body =
    announced instanceof Uint8Array || options.contentLength === undefined ? announced : exactLength(announced, options.contentLength, lengthMismatch);
  const { blockSizeBytes, concurrency, maxSingleShotBytes } = ctx.options;
  const headers: BlobHTTPHeaders = options.contentType ? { blobContentType: options.contentType } : {};
  const conditions = conditionsOf(options);
  const common = {
    blobHTTPHeaders: headers,
    ...(options.metadata ? { metadata: encodeMetadata(options.metadata) } : {}),
    ...(conditions ? { conditions } : {}),
    ...(options.signal ? { abortSignal: options.signal } : {}),
  };
  // A stream that stalls (neither data nor end) is destroyed when the call's signal
  // aborts: the SDK's abortSignal covers its HTTP requests, not our wait on the body,
  // so without this a stalled upload would hang past the deadline. Nothing is
  // committed: blocks stay invisible without the final Put Block List.
  const signal = options.signal;
  const onAbort = () => {
    if (!(body instanceof Uint8Array)) body.destroy(Object.assign(new Error('the operation was aborted'), { name: 'AbortError' }));
  };
  if (!(body instanceof Uint8Array)) signal?.addEventListener('abort', onAbort, { once: true });
  return azureCall({ operation: 'put', key, container }, signal, async () => {
    signal?.throwIfAborted();
    const client = ctx.blob(container, key);
    if (body instanceof Uint8Array) {
      const size = body.byteLength;
      const r =
        size <= maxSingleShotBytes
          ? await client.upload(body, size, common)
          : await client.uploadData(body, { ...common, blockSize: blockSizeBytes, concurrency, maxSingleShotSize: maxSingleShotBytes });
      return { key, versionToken: toVersionToken(r.etag), size };
    }
    const peeked = await peek(body, Math.min(blockSizeBytes, maxSingleShotBytes), options.signal).catch((error: unknown) => {
      body.destroy();
      throw error;
    });
    if ('whole' in peeked) {
      const r = await client.upload(peeked.whole, peeked.whole.length, common);
      return { key, versionToken: toVersionToken(r.etag), size: peeked.whole.length };
    }
    const r = await client.uploadStream(peeked.stream, blockSizeBytes, concurrency, common).catch((error: unknown) => {
      peeked.stream.destroy();
      body.destroy();
      throw error;
    });
    return { key, versionToken: toVersionToken(r.etag), size: peeked.bytes() };
  })
    .catch((error: unknown) => {
      throw options.ifNoneMatch === '*' ? alreadyExists(error, container, key) : error;
    })
    .finally(() => signal?.removeEventListener('abort', onAbort));
}

/**
 * `ifNoneMatch: '*'` on an existing blob is ALREADY_EXISTS, whatever Azure answers:
 * Put Blob says 409 BlobAlreadyExists, a Put Block List (staged upload) may say
 * 412 ConditionNotMet. One outcome, one code.
 */
function alreadyExists(error: unknown, container: string, key: string): unknown {
  if (!isPolycloudError(error, 'CONDITION_NOT_MET')) return error;
  return new PolycloudError('ALREADY_EXISTS', `azure-blob put "${key}" in container "${container}": the blob already exists (If-None-Match: *)`, {
    cause: error,
    retryable: false,
    context: error.context,
  });
}
