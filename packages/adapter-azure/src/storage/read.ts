import { Readable } from 'node:stream';
import { type GetOptions, type GetResult, mapStreamErrors, type ObjectInfo, PolycloudError } from '@polycloud/core/spi';
import type { AzureStorageContext } from './context.js';
import { azureCall, mapAzureBlobError, PROVIDER } from './errors.js';
import { toIfMatch, toVersionToken } from './etag.js';
import { decodeMetadata } from './metadata.js';

interface BlobProps {
  contentLength?: number;
  contentRange?: string;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** ObjectInfo from a getProperties / download response; `size` is the whole blob's size. */
export function infoFromProps(key: string, p: BlobProps, withMetadata = true): ObjectInfo {
  const total = p.contentRange ? Number(/\/(\d+)$/.exec(p.contentRange)?.[1]) : p.contentLength;
  return {
    key,
    size: Number.isFinite(total) ? (total as number) : (p.contentLength ?? 0),
    versionToken: toVersionToken(p.etag),
    lastModified: p.lastModified ?? new Date(0),
    ...(p.contentType ? { contentType: p.contentType } : {}),
    ...(withMetadata ? { metadata: decodeMetadata(p.metadata) } : {}),
  };
}

export async function headBlob(ctx: AzureStorageContext, container: string, key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
  const props = await azureCall({ operation: 'head', key, container }, options.signal, () =>
    ctx.blob(container, key).getProperties({ ...(options.signal ? { abortSignal: options.signal } : {}) }),
  );
  return infoFromProps(key, props);
}

export async function getBlob(ctx: AzureStorageContext, container: string, key: string, options: GetOptions = {}): Promise<GetResult> {
  const where = { operation: 'get', key, container };
  const range = options.range;
  if (range && (range.start < 0 || (range.end !== undefined && range.end < range.start))) {
    throw new PolycloudError('INVALID_ARGUMENT', `invalid byte range ${range.start}-${range.end ?? ''}`, {
      context: { ...where, path: ['range'] },
      retryable: false,
    });
  }
  const offset = range?.start ?? 0;
  const count = range?.end !== undefined ? range.end - range.start + 1 : undefined;
  const response = await azureCall(where, options.signal, () =>
    ctx.blob(container, key).download(offset, count, {
      ...(options.ifMatch !== undefined ? { conditions: { ifMatch: toIfMatch(options.ifMatch) } } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
      maxRetryRequests: ctx.options.maxTries - 1,
    }),
  );
  const body = response.readableStreamBody;
  const info = infoFromProps(key, response);
  if (range && range.start >= info.size) {
    // `{ start: 0 }` sends no Range header (the SDK reads offset 0 to the end), so an
    // empty blob answers 200: refuse it like Azure refuses any other range past the end.
    (body as Readable | undefined)?.destroy();
    throw new PolycloudError('INVALID_ARGUMENT', `range starts at ${range.start}, past the end of a ${info.size}-byte blob`, {
      context: { provider: 'azure-blob', ...where, path: ['range', 'start'] },
      retryable: false,
    });
  }
  if (!body) return { info, body: Readable.from([]) };
  return { info, body: mappedBody(body as Readable, where, options.signal) };
}

/**
 * The SDK's body stream itself, its mid-body failures mapped to PolycloudErrors (no
 * extra stream hop: a small read stays cheap).
 */
function mappedBody(source: Readable, where: { operation: string; key: string; container: string }, signal?: AbortSignal): Readable {
  return mapStreamErrors(source, (error) => {
    // The SDK reports a connection lost mid-body as an AbortError: unless the caller's
    // own signal fired, nobody aborted — the server went away (retryable).
    if (!signal?.aborted && (error as { name?: unknown } | null)?.name === 'AbortError') {
      return new PolycloudError(
        'UNAVAILABLE',
        `azure-blob get "${where.key}" in container "${where.container}": the connection was lost while reading the body`,
        {
          cause: error,
          retryable: true,
          context: { provider: PROVIDER, ...where },
        },
      );
    }
    return mapAzureBlobError(error, where, signal);
  });
}
