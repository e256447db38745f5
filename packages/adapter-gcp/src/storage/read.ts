import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { Bucket, CreateReadStreamOptions, File } from '@google-cloud/storage';
import { type GetOptions, type GetResult, type ObjectInfo, PolycloudError } from '@polycloud/core/spi';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, mapGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration, toObjectInfo } from './metadata.js';
import { gcsRequest, objectPath } from './request.js';

/**
 * The object's resource (`objects.get`), sent by the adapter itself (see gcsRequest):
 * cheaper per call than the SDK's getMetadata, and its signal cancels it.
 */
async function fetchResource(bucket: Bucket, key: string, signal: AbortSignal | undefined): Promise<GcsObjectResource> {
  return (await gcsRequest<GcsObjectResource>(bucket.storage, { method: 'GET', path: objectPath(bucket.name, key), ...(signal ? { signal } : {}) })) ?? {};
}

/** Object info and custom metadata (`objects.get`). Missing → NOT_FOUND. */
export async function headObject(bucket: Bucket, key: string, signal: AbortSignal | undefined, ctx: GcsErrorContext): Promise<ObjectInfo> {
  throwIfAborted(signal, ctx);
  try {
    return toObjectInfo(await fetchResource(bucket, key, signal), key, true);
  } catch (e) {
    if (signal?.aborted) throw abortedError(ctx, e);
    throw mapGcsError(e, ctx);
  }
}

interface Opened {
  stream: Readable;
  generation: string | undefined;
  headers: IncomingMessage['headers'];
}

/** ObjectInfo from a media response's headers (no custom metadata). */
function infoFromHeaders(key: string, headers: IncomingMessage['headers']): ObjectInfo {
  const total = /\/(\d+)$/.exec(String(headers['content-range'] ?? ''))?.[1];
  const size = Number(headers['x-goog-stored-content-length'] ?? total ?? headers['content-length'] ?? 0);
  const modified = headers['last-modified'] ?? headers['date'];
  const info: ObjectInfo = {
    key,
    size,
    versionToken: String(headers['x-goog-generation'] ?? ''),
    lastModified: modified ? new Date(modified) : new Date(0),
  };
  if (headers['content-type']) info.contentType = headers['content-type'];
  return info;
}

/**
 * Opens a media download and resolves once successful response headers arrived, or
 * rejects with the request's error. The body is piped through a PassThrough that
 * turns later stream errors into PolycloudErrors (the SDK starts the request only
 * when the stream is read, which the pipe does).
 */
function openDownload(
  bucket: Bucket,
  key: string,
  generation: string | undefined,
  options: GetOptions,
  ctx: GcsErrorContext,
  current?: File,
): Promise<Opened> {
  const file = generation === undefined ? (current ?? bucket.file(key)) : bucket.file(key, { generation });
  const readOptions: CreateReadStreamOptions = {};
  if (options.range) {
    readOptions.start = options.range.start;
    if (options.range.end !== undefined) readOptions.end = options.range.end;
  }
  const source = file.createReadStream(readOptions);
  const out = new PassThrough();
  return new Promise((resolve, reject) => {
    let settled = false;
    source.on('error', (e: unknown) => {
      if (settled) {
        out.destroy(mapGcsError(e, ctx));
      } else {
        settled = true;
        out.destroy();
        reject(e);
      }
    });
    source.once('response', (res: IncomingMessage) => {
      if ((res.statusCode ?? 0) >= 300) return; // the SDK emits the mapped ApiError next
      settled = true;
      const g = res.headers['x-goog-generation'];
      resolve({ stream: out, generation: typeof g === 'string' ? g : undefined, headers: res.headers });
    });
    out.once('close', () => {
      if (!source.destroyed) source.destroy();
    });
    source.pipe(out);
  });
}

/** Destroys a download's body once it opens (no-op if it fails to open). */
function destroyWhenOpen(opening: Promise<Opened>): void {
  opening.then(
    ({ stream }) => stream.destroy(),
    () => undefined,
  );
}

function conditionNotMet(bucket: Bucket, key: string): PolycloudError {
  return new PolycloudError('CONDITION_NOT_MET', `gcs get gs://${bucket.name}/${key}: the object's generation differs from ifMatch`, {
    retryable: false,
    context: { provider: 'gcs', operation: 'get', key },
  });
}

function status(e: unknown): number | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

/**
 * Reads an object as a stream with its info and metadata. The metadata request and
 * the media request run in parallel (one round trip of latency). With `ifMatch` the
 * media request is pinned to that generation; without it, if the object changed
 * between the two requests, the body is re-read pinned to the metadata's generation
 * so info and body always describe the same version.
 */
export async function getObject(bucket: Bucket, key: string, options: GetOptions, ctx: GcsErrorContext, attempt = 0, readMetadata = true): Promise<GetResult> {
  throwIfAborted(options.signal, ctx);
  if (!readMetadata && options.ifMatch === undefined) return getWithoutMetadata(bucket, key, options, ctx);
  const pin = options.ifMatch !== undefined && isGeneration(options.ifMatch) ? options.ifMatch : undefined;
  const file = bucket.file(key);
  const metaP = fetchResource(bucket, key, options.signal);
  const mediaP = options.ifMatch === undefined || pin !== undefined ? openDownload(bucket, key, pin, options, ctx, file) : undefined;
  // Keep a failed parallel request from becoming an unhandled rejection.
  mediaP?.catch(() => undefined);
  const discard = () => mediaP && destroyWhenOpen(mediaP);

  let info: ObjectInfo;
  try {
    info = toObjectInfo(await metaP, key, true);
  } catch (e) {
    discard();
    if (options.signal?.aborted) throw abortedError(ctx, e);
    throw mapGcsError(e, ctx);
  }
  if (options.ifMatch !== undefined && options.ifMatch !== info.versionToken) {
    discard();
    throw conditionNotMet(bucket, key);
  }
  if (options.range && options.range.start >= info.size && !(info.size === 0 && options.range.start === 0)) {
    discard();
    throw new PolycloudError('INVALID_ARGUMENT', `gcs get: range starts at ${options.range.start}, past the end of a ${info.size}-byte object`, {
      retryable: false,
      context: { provider: 'gcs', operation: 'get', key, path: ['range', 'start'] },
    });
  }

  if (options.range && info.size === 0) {
    // An empty object has no byte to range over; GCS would answer 416.
    discard();
    return { info, body: Readable.from([]) };
  }
  let opened: Opened;
  const openP = mediaP ?? openDownload(bucket, key, info.versionToken, options, ctx);
  try {
    opened = await abortable(openP, options.signal, ctx);
  } catch (e) {
    // The signal won the race: the download may still open later; destroy it then
    // so it does not hold a socket.
    destroyWhenOpen(openP);
    if (options.signal?.aborted) throw abortedError(ctx, e);
    if (status(e) === 404 && options.ifMatch !== undefined) throw conditionNotMet(bucket, key);
    if (status(e) === 404 && attempt < 2) return getObject(bucket, key, options, ctx, attempt + 1, readMetadata);
    throw mapGcsError(e, ctx);
  }
  if (opened.generation !== undefined && opened.generation !== info.versionToken) {
    // The object was replaced between the two requests.
    opened.stream.destroy();
    if (options.ifMatch !== undefined) throw conditionNotMet(bucket, key);
    if (attempt >= 2) {
      throw new PolycloudError('CONFLICT', `gcs get gs://${bucket.name}/${key}: the object kept changing while being read`, {
        retryable: true,
        context: { provider: 'gcs', operation: 'get', key },
      });
    }
    return getObject(bucket, key, options, ctx, attempt + 1, readMetadata);
  }
  const body = opened.stream;
  if (options.signal) {
    const signal = options.signal;
    const onAbort = () => body.destroy(abortedError(ctx, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    body.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  return { info, body };
}

/**
 * One media request: info from the response headers (generation, size, content
 * type, last modified), without custom metadata. Used when `readMetadataOnGet` is false.
 */
async function getWithoutMetadata(bucket: Bucket, key: string, options: GetOptions, ctx: GcsErrorContext): Promise<GetResult> {
  let opened: Opened;
  const openP = openDownload(bucket, key, undefined, options, ctx);
  try {
    opened = await abortable(openP, options.signal, ctx);
  } catch (e) {
    destroyWhenOpen(openP);
    if (options.signal?.aborted) throw abortedError(ctx, e);
    if (status(e) === 416) {
      throw new PolycloudError('INVALID_ARGUMENT', `gcs get: range starts past the end of the object`, {
        retryable: false,
        cause: e,
        context: { provider: 'gcs', operation: 'get', key, path: ['range', 'start'] },
      });
    }
    throw mapGcsError(e, ctx);
  }
  return { info: infoFromHeaders(key, opened.headers), body: opened.stream };
}
