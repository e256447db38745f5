import { Readable, Transform } from 'node:stream';
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

const ignore = (): void => undefined;

const toBuffer = (chunk: Uint8Array | string): Buffer =>
  typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/**
 * Reads a stream to one Buffer (a copy: no view into a larger buffer is kept). For
 * small objects. A Node Readable is read through its events, which costs less per call
 * than async iteration; it fails with the stream's error, or ERR_STREAM_PREMATURE_CLOSE
 * when it closes before its end. With a `signal` (an adapter passes its call's), an
 * abort destroys the stream and fails with ABORTED — also while the stream is stalled,
 * sending neither data nor its end, so a put reading its body never outlives its call.
 */
export function readAll(stream: AsyncIterable<Uint8Array | string>, signal?: AbortSignal): Promise<Buffer> {
  if (!signal) return readAllOf(stream);
  if (signal.aborted) {
    if (stream instanceof Readable) stream.destroy();
    return Promise.reject(aborted(signal));
  }
  const onAbort = () => {
    if (stream instanceof Readable) stream.destroy(aborted(signal));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return readAllOf(stream).then(
    (data) => (signal.removeEventListener('abort', onAbort), data),
    (error: unknown) => {
      signal.removeEventListener('abort', onAbort);
      throw signal.aborted ? aborted(signal) : error;
    },
  );
}

const aborted = (signal: AbortSignal) =>
  new PolycloudError('ABORTED', 'reading the body was aborted', { cause: signal.reason, retryable: false, context: { path: ['body'] } });

function readAllOf(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  if (!(stream instanceof Readable)) return readIterable(stream);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fail = (error: unknown) => {
      cleanup();
      // The stream may still emit the error (on a later tick): it is this promise's now.
      stream.on('error', ignore);
      reject(error);
    };
    const onData = (chunk: Uint8Array | string) => {
      try {
        chunks.push(toBuffer(chunk));
      } catch (error) {
        // Not bytes (an object-mode stream): stop reading and fail, as iteration would.
        stream.destroy(error as Error);
        fail(error);
      }
    };
    const onEnd = () => (cleanup(), resolve(Buffer.concat(chunks)));
    const onClose = () => {
      // 'end' or 'error' settle first when there is one; a bare close is premature.
      if (stream.readableEnded) return;
      fail(stream.errored ?? Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', fail);
      stream.off('close', onClose);
    };
    // Listen first: a stream that already failed emits 'error' on a later tick, and
    // nobody listening would make that an uncaught exception.
    stream.on('error', fail);
    if (stream.errored) return fail(stream.errored);
    if (stream.readableEnded || stream.destroyed)
      return fail(Object.assign(new Error('the stream was already read or destroyed'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.resume(); // a paused (or unpiped) stream does not restart for a 'data' listener
  });
}

async function readIterable(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(toBuffer(chunk));
  return Buffer.concat(chunks);
}

/**
 * Makes `stream` fail with `map(error)` in place of any error it is destroyed with, and
 * returns it. An adapter can then hand out an SDK's response stream as it is — no
 * extra stream hop per read — while a failure in mid-body still reaches the reader as
 * a PolycloudError: through `'error'`, `stream.errored`, async iteration and `pipeline`.
 */
export function mapStreamErrors<S extends Readable>(stream: S, map: (error: Error) => Error): S {
  const destroy = stream.destroy;
  stream.destroy = function (this: S, error?: Error | null, ...rest: unknown[]) {
    return (destroy as (...a: unknown[]) => S).call(this, error ? map(error) : error, ...rest);
  };
  // An error raised while tearing down (e.g. the socket's) replaces the first one.
  const teardown = stream._destroy;
  stream._destroy = function (this: S, error: Error | null, callback: (error?: Error | null) => void) {
    teardown.call(this, error, (e?: Error | null) => callback(e && e !== error ? map(e) : e));
  };
  return stream;
}

/**
 * Passes a stream through, failing it when it does not carry exactly `expected` bytes:
 * with the error `mismatch(got, expected)` returns, as soon as it is longer, or at its
 * end (or a close before its end) when it is shorter. A body whose length was announced (a put's `contentLength`, a get's
 * size) and that ends early without an error — a source cut off cleanly, an object
 * rewritten while it was read — then fails the call that reads it, never storing or
 * serving a truncated object. The result is a new stream; errors of `stream` pass on.
 */
export function exactLength(stream: Readable, expected: number, mismatch: (got: number, expected: number) => Error): Readable {
  let got = 0;
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      got += chunk.length;
      if (got > expected) callback(mismatch(got, expected));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(got === expected ? null : mismatch(got, expected));
    },
  });
  // Not pipeline(): the source's error must reach `checked` as it is, and destroying `checked` must end the source.
  stream.on('error', (e) => checked.destroy(e));
  // Closed before its end without an error: cut short.
  stream.on('close', () => {
    if (!stream.readableEnded && !checked.destroyed) checked.destroy(mismatch(got, expected));
  });
  checked.on('close', () => {
    if (!stream.destroyed && !stream.readableEnded) stream.destroy();
  });
  return stream.pipe(checked);
}

/** The error of a put whose stream body did not carry its announced `contentLength` (for {@link exactLength}). */
export function lengthMismatch(got: number, expected: number): PolycloudError {
  return new PolycloudError(
    'INVALID_ARGUMENT',
    got > expected ? `the body is longer than its contentLength ${expected}` : `the body ended after ${got} bytes, short of its contentLength ${expected}`,
    { retryable: false, context: { path: ['contentLength'] } },
  );
}
