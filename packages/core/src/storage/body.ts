import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PolycloudError } from '../errors/polycloud-error.js';
import type { AdapterBody, PutBody } from '../adapter/storage-adapter.js';

/** A body ready for an adapter, with its length when known. */
export interface NormalizedBody {
  body: AdapterBody;
  /** Byte length, when known without reading a stream. */
  length?: number;
  /** True for streams: they can be sent once only. */
  once: boolean;
}

/** Normalises what a user passes to `put` (bytes, string, Node or web stream). */
export function normalizeBody(body: PutBody, path: (string | number)[] = ['body']): NormalizedBody {
  if (typeof body === 'string') {
    const bytes = Buffer.from(body, 'utf8');
    return { body: bytes, length: bytes.byteLength, once: false };
  }
  if (body instanceof Uint8Array) return { body, length: body.byteLength, once: false };
  if (body instanceof ArrayBuffer) return { body: new Uint8Array(body), length: body.byteLength, once: false };
  if (body instanceof Readable) return { body, once: true };
  if (body && typeof (body as ReadableStream).getReader === 'function') {
    return { body: Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>), once: true };
  }
  throw new PolycloudError('INVALID_ARGUMENT', 'body must be a Uint8Array, ArrayBuffer, string, Node Readable or web ReadableStream', {
    context: { path },
    retryable: false,
  });
}

/** True once a stream body has been read from (so it cannot be retried). */
export function bodyConsumed(body: AdapterBody): boolean {
  return body instanceof Readable && (body.readableDidRead || body.destroyed);
}

/** Reads a stream to one Buffer. For tests and small objects only. */
export async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks);
}

/**
 * Makes `stream` emit `map(error)` in place of any error it is destroyed with, and
 * returns it. An adapter can then hand out an SDK's response stream as it is — no
 * extra stream hop per read — while a failure in mid-body still reaches the reader as
 * a PolycloudError (through `'error'`, async iteration and `pipeline`; `stream.errored`
 * keeps the original).
 */
export function mapStreamErrors<S extends Readable>(stream: S, map: (error: Error) => Error): S {
  const destroy = stream._destroy;
  stream._destroy = function (this: S, error: Error | null, callback: (error?: Error | null) => void) {
    destroy.call(this, error, (e?: Error | null) => callback(e ? map(e) : e));
  };
  return stream;
}
