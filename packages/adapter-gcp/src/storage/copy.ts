import type { Bucket } from '@google-cloud/storage';
import { type CopyOptions, PolycloudError, type PutResult } from '@polycloud/core/spi';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, mapGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration } from './metadata.js';
import { gcsRequest, objectPath } from './request.js';

const notMet = (key: string) =>
  new PolycloudError('CONDITION_NOT_MET', 'gcs copy: the source generation differs from sourceIfMatch', {
    retryable: false,
    context: { provider: 'gcs', operation: 'copy', key },
  });

interface RewriteResponse {
  done?: boolean;
  rewriteToken?: string;
  resource?: GcsObjectResource;
}

/**
 * Server-side copy (`objects.rewrite`, repeated with the rewrite token until done for
 * large objects), sent by the adapter so the signal cancels the request: the SDK's
 * `copy` takes no signal and could land after ABORTED. `sourceIfMatch` pins the
 * source generation. Replacing metadata or content type sends both (a rewrite body
 * replaces the destination's metadata as a whole).
 */
export async function copyObject(
  bucket: Bucket,
  sourceKey: string,
  destinationKey: string,
  options: CopyOptions,
  ctx: GcsErrorContext,
  timeoutMs?: number,
): Promise<PutResult> {
  throwIfAborted(options.signal, ctx);
  if (options.sourceIfMatch !== undefined && !isGeneration(options.sourceIfMatch)) throw notMet(sourceKey);
  const source = options.sourceIfMatch !== undefined ? bucket.file(sourceKey, { generation: options.sourceIfMatch }) : bucket.file(sourceKey);
  try {
    const destination: { contentType?: string; metadata?: Record<string, string> } = {};
    if (options.metadata !== undefined || options.contentType !== undefined) {
      let current: GcsObjectResource | undefined;
      if (options.metadata === undefined || options.contentType === undefined) {
        // A read: abandoning it on abort changes nothing.
        [current] = (await abortable(source.getMetadata(), options.signal, ctx)) as [GcsObjectResource, unknown];
      }
      destination.contentType = options.contentType ?? current?.contentType ?? 'application/octet-stream';
      destination.metadata = (options.metadata ?? current?.metadata ?? {}) as Record<string, string>;
    }
    let rewriteToken: string | undefined;
    for (;;) {
      const answer = await gcsRequest<RewriteResponse>(bucket.storage, {
        method: 'POST',
        path: `${objectPath(bucket.name, sourceKey)}/rewriteTo${objectPath(bucket.name, destinationKey).slice('/storage/v1'.length)}`,
        query: { sourceGeneration: options.sourceIfMatch, rewriteToken },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(destination),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      if (answer?.done !== false || !answer.rewriteToken) {
        const resource = answer?.resource ?? {};
        return {
          key: destinationKey,
          versionToken: String(resource.generation ?? ''),
          ...(resource.size !== undefined ? { size: Number(resource.size) } : {}),
        };
      }
      rewriteToken = answer.rewriteToken;
    }
  } catch (e) {
    if (options.signal?.aborted) throw abortedError(ctx, e);
    if (options.sourceIfMatch !== undefined && (e as { code?: unknown }).code === 404) {
      // A pinned generation that is gone: the source changed (or was deleted).
      const [exists] = await bucket
        .file(sourceKey)
        .exists()
        .catch(() => [false] as [boolean]);
      if (exists) throw notMet(sourceKey);
    }
    throw mapGcsError(e, ctx);
  }
}
