import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { ListOptions, ListPage } from '@polycloud/core/spi';
import { type S3Context, signalled } from './context.js';
import { versionTokenFromEtag } from './version-token.js';

/** One ListObjectsV2 page (prefix, delimiter, MaxKeys ≤ 1000, ContinuationToken). */
export async function listObjects(ctx: S3Context, bucket: string, options: ListOptions = {}): Promise<ListPage> {
  try {
    const out = await ctx.client.send(
      signalled(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(options.prefix ? { Prefix: options.prefix } : {}),
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.pageSize !== undefined ? { MaxKeys: Math.min(options.pageSize, 1000) } : {}),
          ...(options.continuationToken ? { ContinuationToken: options.continuationToken } : {}),
        }),
        options.signal,
      ),
    );
    return {
      objects: (out.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        versionToken: versionTokenFromEtag(o.ETag),
        lastModified: o.LastModified ?? new Date(0),
      })),
      prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter((p) => p !== ''),
      ...(out.IsTruncated && out.NextContinuationToken ? { continuationToken: out.NextContinuationToken } : {}),
    };
  } catch (error) {
    throw ctx.fail(error, 'list', bucket);
  }
}
