import type { CopyOptions, PutResult } from '@polycloud/core/spi';
import type { AzureStorageContext } from './context.js';
import { azureCall } from './errors.js';
import { toIfMatch, toVersionToken } from './etag.js';
import { encodeMetadata } from './metadata.js';

/**
 * Server-side copy within the account (Copy Blob, `beginCopyFromURL`): same-account
 * copies complete synchronously on Azure and Azurite; a pending copy is polled.
 * Copy Blob cannot set the content type, so a requested one is applied afterwards
 * with Set Blob Properties (the returned token is the final ETag).
 */
export async function copyBlob(
  ctx: AzureStorageContext,
  container: string,
  sourceKey: string,
  destinationKey: string,
  options: CopyOptions = {},
): Promise<PutResult> {
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
