import type { ListOptions, ListPage, ObjectInfo } from '@polycloud/core/spi';
import type { BlobItem } from '@azure/storage-blob';
import type { AzureStorageContext } from './context.js';
import { azureCall } from './errors.js';
import { toVersionToken } from './etag.js';

/** Azure's largest List Blobs page. */
export const MAX_LIST_PAGE = 5000;

function infoOf(item: BlobItem): ObjectInfo {
  const p = item.properties;
  return {
    key: item.name,
    size: p.contentLength ?? 0,
    versionToken: toVersionToken(p.etag),
    lastModified: p.lastModified,
    ...(p.contentType ? { contentType: p.contentType } : {}),
  };
}

/**
 * One page of List Blobs (flat, or by hierarchy when a delimiter is given). The
 * continuation token is Azure's opaque `NextMarker`. Metadata is not included.
 */
export async function listBlobs(ctx: AzureStorageContext, container: string, options: ListOptions = {}): Promise<ListPage> {
  const client = ctx.container(container);
  const maxPageSize = Math.min(options.pageSize ?? MAX_LIST_PAGE, MAX_LIST_PAGE);
  const settings = { maxPageSize, ...(options.continuationToken ? { continuationToken: options.continuationToken } : {}) };
  const listOptions = { ...(options.prefix ? { prefix: options.prefix } : {}), ...(options.signal ? { abortSignal: options.signal } : {}) };
  return azureCall({ operation: 'list', container }, options.signal, async () => {
    if (options.delimiter !== undefined) {
      const it = client.listBlobsByHierarchy(options.delimiter, listOptions).byPage(settings);
      const { value } = await it.next();
      const segment = value?.segment;
      return {
        objects: (segment?.blobItems ?? []).map(infoOf),
        prefixes: (segment?.blobPrefixes ?? []).map((p: { name: string }) => p.name),
        ...(value?.continuationToken ? { continuationToken: value.continuationToken } : {}),
      };
    }
    const it = client.listBlobsFlat(listOptions).byPage(settings);
    const { value } = await it.next();
    return {
      objects: (value?.segment.blobItems ?? []).map(infoOf),
      prefixes: [],
      ...(value?.continuationToken ? { continuationToken: value.continuationToken } : {}),
    };
  });
}
