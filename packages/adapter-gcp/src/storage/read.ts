import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable, Transform, finished } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type Bucket, CRC32C } from '@google-cloud/storage';
import { type GetOptions, type GetResult, type ObjectInfo, PolycloudError } from '@polycloud/core/spi';
import { abortable, throwIfAborted } from './abort.js';
import { type GcsErrorContext, abortedError, mapGcsError } from './errors.js';
import { type GcsObjectResource, isGeneration, toObjectInfo } from './metadata.js';
import { gcsMediaRequest, gcsRequest, objectPath } from './request.js';

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

/** The base64 CRC32C in an `x-goog-hash` header (`crc32c=…,md5=…`), if any. */
function crc32cOf(header: string | string[] | undefined): string | undefined {
  for (const part of String(header ?? '').split(',')) {
    const i = part.indexOf('=');
    if (part.slice(0, i).trim() === 'crc32c') return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Passes bytes through and fails at the end if their CRC32C is not `expected` (like the SDK's download check). */
function crc32cCheck(expected: string): Transform {
  const crc = new CRC32C();
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      if (crc.validate(expected)) callback();
      else callback(Object.assign(new Error('The downloaded data did not match the data from the server.'), { code: 'CONTENT_DOWNLOAD_MISMATCH' }));
    },
  });
}

/**
 * The body handed to the caller: the response, CRC32C-checked on a whole-object read
 * (when the stored bytes are what arrives, as the SDK checks) and gunzipped when
 * served gzip, into a PassThrough. Any stage failing — the response above all: a
 * connection closed before the declared length errors it (ECONNRESET "aborted"), and
 * `finished()` reports a stage closed without ending (ERR_STREAM_PREMATURE_CLOSE) —
 * destroys the body with the mapped error (UNAVAILABLE, retryable); `signal` firing
 * destroys it with ABORTED. The body destroyed by its reader (or the signal) destroys
 * the response and closes the connection.
 */
function bodyOf(res: IncomingMessage, wholeObject: boolean, signal: AbortSignal | undefined, ctx: GcsErrorContext): Readable {
  const out = new PassThrough();
  const gzipped = res.headers['content-encoding'] === 'gzip';
  const stored = res.headers['x-goog-stored-content-encoding'];
  const expected = wholeObject && (stored === 'identity' || (stored === 'gzip' && gzipped)) ? crc32cOf(res.headers['x-goog-hash']) : undefined;
  const stages: Readable[] = [res];
  if (expected !== undefined) stages.push(crc32cCheck(expected));
  if (gzipped) stages.push(createGunzip());
  const fail = (e: unknown) => {
    // The request's own signal listener may cut the connection first: still ABORTED.
    if (!out.destroyed) out.destroy(signal?.aborted ? abortedError(ctx, signal.reason) : mapGcsError(e, ctx));
    for (const s of stages) if (!s.destroyed) s.destroy();
  };
  if (signal) {
    const onAbort = () => fail(signal.reason);
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      out.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  for (const [i, stage] of stages.entries()) {
    finished(stage, { writable: false }, (e) => {
      if (e) fail(e);
    });
    const next = stages[i + 1];
    (stage as Readable).pipe((next as Transform | undefined) ?? out);
  }
  out.once('close', () => {
    for (const s of stages) if (!s.destroyed) s.destroy();
  });
  return out;
}

/**
 * Opens a media download (the adapter's own request, see gcsMediaRequest) and
 * resolves once successful response headers arrived, or rejects with the request's
 * error (a GcsHttpError for a status ≥ 300). `signal` cancels the request, also
 * once the body is being read.
 */
async function openDownload(bucket: Bucket, key: string, generation: string | undefined, options: GetOptions, ctx: GcsErrorContext): Promise<Opened> {
  const headers: Record<string, string> = { 'accept-encoding': 'gzip', 'cache-control': 'no-store' };
  if (options.range) headers['range'] = `bytes=${options.range.start}-${options.range.end ?? ''}`;
  const res = await gcsMediaRequest(bucket.storage, {
    path: objectPath(bucket.name, key),
    query: { alt: 'media', generation },
    headers,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const g = res.headers['x-goog-generation'];
  return { stream: bodyOf(res, !options.range, options.signal, ctx), generation: typeof g === 'string' ? g : undefined, headers: res.headers };
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
  const metaP = fetchResource(bucket, key, options.signal);
  const mediaP = options.ifMatch === undefined || pin !== undefined ? openDownload(bucket, key, pin, options, ctx) : undefined;
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
  return { info, body: opened.stream };
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
