import { Readable } from 'node:stream';
import { type AdapterBody, isPolycloudError } from '@polycloud/core/spi';
import { memoryError, throwIfAborted } from '../errors.js';

/**
 * Reads an adapter body fully into one copy. A stream is consumed to the end;
 * more than `maxBytes` → INVALID_ARGUMENT (the provider's "entity too large"), an
 * abort → ABORTED — also while the stream is stalled (no chunk, no end): the abort
 * destroys it, so a put waiting on a body that never comes fails with the call's
 * deadline or signal instead of hanging. A failed read stores nothing.
 */
export async function consumeBody(body: AdapterBody, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw tooLarge(body.byteLength, maxBytes);
    return new Uint8Array(body);
  }
  if (!(body instanceof Readable)) {
    throw memoryError('INVALID_ARGUMENT', 'body must be a Uint8Array or a Node Readable', { path: ['body'] }, false);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  throwIfAborted(signal);
  const onAbort = () => body.destroy(Object.assign(new Error('the operation was aborted'), { name: 'AbortError' }));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      throwIfAborted(signal);
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      size += buf.byteLength;
      if (size > maxBytes) throw tooLarge(size, maxBytes);
      chunks.push(Buffer.from(buf));
    }
  } catch (e) {
    body.destroy();
    if (isPolycloudError(e)) throw e;
    throwIfAborted(signal);
    throw memoryError('UNEXPECTED', `reading the body failed: ${(e as Error).message}`, { path: ['body'] }, false);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

function tooLarge(size: number, max: number) {
  return memoryError('INVALID_ARGUMENT', `body of at least ${size} bytes exceeds the ${max}-byte limit`, { path: ['body'] }, false);
}

/** A fresh stream over a copy of the bytes. */
export function bytesStream(bytes: Uint8Array): Readable {
  return Readable.from(bytes.byteLength ? [Buffer.from(bytes)] : []);
}
