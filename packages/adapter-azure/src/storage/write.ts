import { Readable, Transform } from 'node:stream';
import type { BlobHTTPHeaders, BlobRequestConditions } from '@azure/storage-blob';
import type { AdapterBody, CopyOptions, PutOptions, PutResult } from '@polycloud/core';
import type { AzureStorageContext } from './context.js';
import { azureCall } from './errors.js';
import { toIfMatch, toVersionToken } from './etag.js';
import { encodeMetadata } from './metadata.js';

function conditionsOf(o: { ifMatch?: string; ifNoneMatch?: '*' }): BlobRequestConditions | undefined {
  if (o.ifMatch === undefined && o.ifNoneMatch === undefined) return undefined;
  return { ...(o.ifMatch !== undefined ? { ifMatch: toIfMatch(o.ifMatch) } : {}), ...(o.ifNoneMatch !== undefined ? { ifNoneMatch: o.ifNoneMatch } : {}) };
}

/** Counts the bytes of a stream as the SDK reads them (for PutResult.size). */
function counting(source: Readable): { stream: Readable; bytes: () => number } {
  let n = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(null, chunk);
    },
  });
  source.on('error', (e) => counter.destroy(e));
  source.pipe(counter);
  return { stream: counter, bytes: () => n };
}

/**
 * Put Blob for byte arrays up to `maxSingleShotBytes`; larger arrays are staged in
 * parallel blocks, and streams go through `uploadStream`, which buffers at most
 * `concurrency` blocks of `blockSizeBytes`. Blocks stay invisible until the final
 * Put Block List, which carries the conditions: a failed or refused upload never
 * replaces the current version.
 */
export async function putBlob(ctx: AzureStorageContext, container: string, key: string, body: AdapterBody, options: PutOptions = {}): Promise<PutResult> {
  const client = ctx.blob(container, key);
  const { blockSizeBytes, concurrency, maxSingleShotBytes } = ctx.options;
  const headers: BlobHTTPHeaders = options.contentType ? { blobContentType: options.contentType } : {};
  const conditions = conditionsOf(options);
  const common = {
    blobHTTPHeaders: headers,
    ...(options.metadata ? { metadata: encodeMetadata(options.metadata) } : {}),
    ...(conditions ? { conditions } : {}),
    ...(options.signal ? { abortSignal: options.signal } : {}),
  };
  return azureCall({ operation: 'put', key, container }, options.signal, async () => {
    if (body instanceof Uint8Array) {
      const size = body.byteLength;
      const r =
        size <= maxSingleShotBytes
          ? await client.upload(body, size, common)
          : await client.uploadData(body, { ...common, blockSize: blockSizeBytes, concurrency, maxSingleShotSize: maxSingleShotBytes });
      return { key, versionToken: toVersionToken(r.etag), size };
    }
    const { stream, bytes } = counting(body);
    const r = await client.uploadStream(stream, blockSizeBytes, concurrency, common);
    return { key, versionToken: toVersionToken(r.etag), size: bytes() };
  });
}

/**
 * Server-side copy within the account (Copy Blob, `beginCopyFromURL`): same-account
 * copies complete synchronously on Azure and Azurite; a pending copy is polled.
 * Copy Blob cannot set the content type, so a requested one is applied afterwards
 * with Set Blob Properties (the returned token is the final ETag).
 */
export async function copyBlob(ctx: AzureStorageContext, container: string, sourceKey: string, destinationKey: string, options: CopyOptions = {}): Promise<PutResult> {
  const source = ctx.blob(container, sourceKey);
  const target = ctx.blob(container, destinationKey);
  const signalOpt = options.signal ? { abortSignal: options.signal } : {};
  return azureCall({ operation: 'copy', key: destinationKey, container, sourceKey }, options.signal, async () => {
    const poller = await target.beginCopyFromURL(source.url, {
      ...(options.metadata ? { metadata: encodeMetadata(options.metadata) } : {}),
      ...(options.sourceIfMatch !== undefined ? { sourceConditions: { ifMatch: toIfMatch(options.sourceIfMatch) } } : {}),
      ...signalOpt,
      intervalInMs: 50,
    });
    const done = await poller.pollUntilDone();
    let etag = done.etag;
    // Copy Blob copies the source's metadata when none is given: an explicit empty set must be applied afterwards.
    if (options.metadata && Object.keys(options.metadata).length === 0) {
      etag = (await target.setMetadata({}, { ...signalOpt, conditions: { ifMatch: etag! } })).etag;
    }
    if (options.contentType !== undefined) {
      const props = await target.getProperties(signalOpt);
      etag = (
        await target.setHTTPHeaders(
          {
            blobContentType: options.contentType,
            blobCacheControl: props.cacheControl,
            blobContentDisposition: props.contentDisposition,
            blobContentEncoding: props.contentEncoding,
            blobContentLanguage: props.contentLanguage,
            blobContentMD5: props.contentMD5,
          },
          { ...signalOpt, conditions: { ifMatch: props.etag! } },
        )
      ).etag;
    }
    const final = await target.getProperties(signalOpt);
    return { key: destinationKey, versionToken: toVersionToken(etag ?? final.etag), size: final.contentLength ?? 0 };
  });
}
