import type { Bucket, GetFilesOptions } from '@google-cloud/storage';
import type { ListOptions, ListPage } from '@polycloud/core/spi';
import { abortable } from './abort.js';
import { type GcsErrorContext, mapGcsError } from './errors.js';
import { type GcsObjectResource, toObjectInfo } from './metadata.js';

interface ListResponse {
  items?: GcsObjectResource[];
  prefixes?: string[];
  nextPageToken?: string;
}

/**
 * One page of `objects.list` (no auto-pagination). Custom metadata comes with each
 * item (GCS lists full resources), so objects carry `metadata`.
 */
export async function listObjects(bucket: Bucket, options: ListOptions, maxPageSize: number, ctx: GcsErrorContext): Promise<ListPage> {
  const query: GetFilesOptions = { autoPaginate: false, maxResults: Math.min(options.pageSize ?? maxPageSize, maxPageSize) };
  if (options.prefix) query.prefix = options.prefix;
  if (options.delimiter) query.delimiter = options.delimiter;
  if (options.continuationToken) query.pageToken = options.continuationToken;
  try {
    const [files, , apiResponse] = await abortable(bucket.getFiles(query), options.signal, ctx);
    const response = (apiResponse ?? {}) as ListResponse;
    const page: ListPage = {
      objects: files.map((f) => toObjectInfo(f.metadata as GcsObjectResource, f.name, true)),
      prefixes: [...(response.prefixes ?? [])],
    };
    if (response.nextPageToken) page.continuationToken = response.nextPageToken;
    return page;
  } catch (e) {
    throw mapGcsError(e, ctx);
  }
}
