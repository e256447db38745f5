import { GetObjectCommand, type GetObjectCommandInput, HeadObjectCommand } from '@aws-sdk/client-s3';
import { type ByteRange, type GetOptions, type GetResult, mapStreamErrors, type ObjectInfo, PolycloudError } from '@polycloud/core/spi';
import { Readable } from 'node:stream';
import { type S3Context, signalled } from './context.js';
import { decodeMetadata } from './metadata.js';
import { sliceStream } from './range-slice.js';
import { etagFromVersionToken, versionTokenFromEtag } from './version-token.js';

interface HeadLike {
  ETag?: string;
  ContentLength?: number;
  ContentRange?: string;
  LastModified?: Date;
  ContentType?: string;
  Metadata?: Record<string, string>;
}

/** Total object size: from `Content-Range: bytes a-b/total` on ranged reads, else Content-Length. */
function totalSize(out: HeadLike): number {
  const total = out.ContentRange?.match(/\/(\d+)\s*$/)?.[1];
  return total !== undefined ? Number(total) : (out.ContentLength ?? 0);
}

export function objectInfo(key: string, out: HeadLike): ObjectInfo {
  return {
    key,
    size: totalSize(out),
    versionToken: versionTokenFromEtag(out.ETag),
    lastModified: out.LastModified ?? new Date(0),
    ...(out.ContentType !== undefined ? { contentType: out.ContentType } : {}),
    metadata: decodeMetadata(out.Metadata),
  };
}

/**
 * Which bytes of the answered body are the requested ones, or undefined when the body
 * is exactly the request. HTTP lets a server ignore `Range` (200, whole body) or answer
 * a wider range than asked; some S3-compatible stores do (s3rver sends the whole object
 * for `bytes=0-0`). Those bytes are cut here.
 */
function rangeCut(range: ByteRange, size: number, contentRange: string | undefined): { start: number; end: number } | undefined {
  const m = contentRange?.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
  const first = m ? Number(m[1]) : 0;
  const last = m ? Number(m[2]) : size - 1;
  const wantLast = Math.min(range.end ?? Infinity, size - 1);
  if (first === range.start && last === wantLast) return undefined;
  if (range.start >= size && size > 0) {
    throw Object.assign(new Error('The requested range is not satisfiable'), { name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  }
  if (first > range.start || last < wantLast)
    throw new Error(`the store answered bytes ${first}-${last} for a request of bytes ${range.start}-${range.end ?? ''}`);
  return { start: range.start - first, end: wantLast - first };
}

/**
 * The body handed to the caller. The whole object: the response stream itself, its
 * mid-body failures mapped to PolycloudErrors (no extra stream hop: a small read stays
 * cheap). A range the store answered too widely: cut by a slicing stream. Destroying
 * the returned stream releases the socket either way.
 */
function deliver(ctx: S3Context, source: Readable, cut: { start: number; end: number } | undefined, bucket: string, key: string): Readable {
  if (!cut) return mapStreamErrors(source, (e) => ctx.fail(e, 'get', bucket, key));
  const out = sliceStream(cut.start, cut.end);
  source.once('error', (e) => out.destroy(ctx.fail(e, 'get', bucket, key)));
  out.once('close', () => {
    if (!source.destroyed) source.destroy();
  });
  return source.pipe(out);
}

/** GetObject's input, property by property (no spreads): this runs on every get. */
function getParams(bucket: string, key: string, range: ByteRange | undefined, ifMatch: string | undefined): GetObjectCommandInput {
  const params: GetObjectCommandInput = { Bucket: bucket, Key: key };
  if (range) params.Range = `bytes=${range.start}-${range.end ?? ''}`;
  if (ifMatch !== undefined) params.IfMatch = etagFromVersionToken(ifMatch);
  return params;
}

/** GetObject (with `Range` and `If-Match`), the body as a Node Readable. */
export async function getObject(ctx: S3Context, bucket: string, key: string, options: GetOptions = {}): Promise<GetResult> {
  const range = options.range;
  if (range && (range.start < 0 || (range.end !== undefined && range.end < range.start))) {
    throw new PolycloudError('INVALID_ARGUMENT', `invalid byte range ${range.start}-${range.end ?? ''}`, {
      retryable: false,
      context: { provider: 's3', operation: 'get', bucket, key, path: ['range'] },
    });
  }
  try {
    const out = await ctx.client.send(signalled(new GetObjectCommand(getParams(bucket, key, range, options.ifMatch)), options.signal));
    // In Node the SDK's body is the response stream itself (an IncomingMessage).
    const raw = out.Body as unknown;
    const body = raw instanceof Readable ? raw : raw ? Readable.fromWeb((raw as { transformToWebStream(): never }).transformToWebStream()) : Readable.from([]);
    const info = objectInfo(key, out);
    let cut;
    try {
      cut = range ? rangeCut(range, info.size, out.ContentRange) : undefined;
    } catch (error) {
      body.destroy();
      throw error;
    }
    return { info, body: deliver(ctx, body, cut, bucket, key) };
  } catch (error) {
    throw ctx.fail(error, 'get', bucket, key);
  }
}

/** HeadObject: info and decoded metadata, no body. */
export async function headObject(ctx: S3Context, bucket: string, key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
  try {
    const out = await ctx.client.send(signalled(new HeadObjectCommand({ Bucket: bucket, Key: key }), options.signal));
    return objectInfo(key, out);
  } catch (error) {
    throw ctx.fail(error, 'head', bucket, key);
  }
}
