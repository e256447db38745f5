import { Readable } from 'node:stream';
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

/**
 * Reads a stream until it ends or passes `limit` bytes. A short stream comes back
 * whole (one Put Blob instead of Put Block + Put Block List); a longer one comes
 * back as an equivalent stream (the chunks read so far, then the rest), with a
 * byte counter. At most `limit` bytes are held here.
 */
async function peek(source: Readable, limit: number, signal?: AbortSignal): Promise<{ whole: Buffer } | { stream: Readable; bytes: () => number }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let held = 0;
  for (;;) {
    const r = await it.next();
    signal?.throwIfAborted();
    if (r.done) return { whole: head.length === 1 ? head[0]! : Buffer.concat(head, held) };
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    head.push(chunk);
    held += chunk.length;
    if (held > limit) break;
  }
  let count = 0;
  async function* rest(): AsyncGenerator<Buffer> {
    while (head.length) {
      const chunk = head.shift()!;
      count += chunk.length;
      yield chunk;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      count += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(rest(), { objectMode: false }), bytes: () => count };
}

/**
 * Put Blob for byte arrays up to `maxSingleShotBytes` and for streams that end
 * within one block; larger arrays are staged in parallel blocks, and longer streams
 * go through `uploadStream`, which buffers at most `concurrency` blocks of
 * `blockSizeBytes`. Blocks stay invisible until the final
 * Put Block List, which carries the conditions: a failed or refused upload never
 * replaces the current version.
 */
export async function putBlob(ctx: AzureStorageContext, container: string, key: string, body: AdapterBody, options: PutOptions = {}): Promise<PutResult> {
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
  });
}

/**
 * Server-side copy within the account (Copy Blob, `beginCopyFromURL`): same-account
 * copies complete synchronously on Azure and Azurite; a pending copy is polled.
 * Copy Blob cannot set the content type, so a requested one is applied afterwards
 * with Set Blob Properties (the returned token is the final ETag).
 */
export async function copyBlob(ctx: AzureStorageContext, container: string, sourceKey: string, destinationKey: string, options: CopyOptions = {}): Promise<PutResult> {
  const signalOpt = options.signal ? { abortSignal: options.signal } : {};
  return azureCall({ operation: 'copy', key: destinationKey, container, sourceKey }, options.signal, async () => {
    const source = ctx.blob(container, sourceKey);
    const target = ctx.blob(container, destinationKey);
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
