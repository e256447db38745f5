import type { Bucket, CopyOptions as GcsCopyOptions } from '@google-cloud/storage';
import { type CopyOptions, PolycloudError, type PutResult } from '@polycloud/core';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, toGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration } from './object-info.js';

const notMet = (key: string) =>
  new PolycloudError('CONDITION_NOT_MET', 'gcs copy: the source generation differs from sourceIfMatch', {
    retryable: false,
    context: { provider: 'gcs', operation: 'copy', key },
  });

/**
 * Server-side copy (`objects.rewrite`, looped by the SDK for large objects).
 * `sourceIfMatch` pins the source generation. Replacing metadata or content type
 * sends both (a rewrite body replaces the destination's metadata as a whole).
 */
export async function copyObject(bucket: Bucket, sourceKey: string, destinationKey: string, options: CopyOptions, ctx: GcsErrorContext): Promise<PutResult> {
  throwIfAborted(options.signal, ctx);
  if (options.sourceIfMatch !== undefined && !isGeneration(options.sourceIfMatch)) throw notMet(sourceKey);
  const source = options.sourceIfMatch !== undefined ? bucket.file(sourceKey, { generation: options.sourceIfMatch }) : bucket.file(sourceKey);
  try {
    const copyOptions: GcsCopyOptions = {};
    if (options.metadata !== undefined || options.contentType !== undefined) {
      let current: GcsObjectResource | undefined;
      if (options.metadata === undefined || options.contentType === undefined) {
        [current] = (await abortable(source.getMetadata(), options.signal, ctx)) as [GcsObjectResource, unknown];
      }
      copyOptions.contentType = options.contentType ?? current?.contentType ?? 'application/octet-stream';
      copyOptions.metadata = (options.metadata ?? current?.metadata ?? {}) as Record<string, string>;
    }
    const [copied] = await abortable(source.copy(bucket.file(destinationKey), copyOptions), options.signal, ctx);
    const resource = copied.metadata as GcsObjectResource;
    return {
      key: destinationKey,
      versionToken: String(resource.generation ?? ''),
      ...(resource.size !== undefined ? { size: Number(resource.size) } : {}),
    };
  } catch (e) {
    if (options.sourceIfMatch !== undefined && (e as { code?: unknown }).code === 404) {
      // A pinned generation that is gone: the source changed (or was deleted).
      const [exists] = await bucket.file(sourceKey).exists().catch(() => [false] as [boolean]);
      if (exists) throw notMet(sourceKey);
    }
    throw toGcsError(e, ctx);
  }
}
