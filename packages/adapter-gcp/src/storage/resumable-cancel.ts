import { Writable } from 'node:stream';
import type { File } from '@google-cloud/storage';

/**
 * Makes an abort cancel a resumable upload's HTTP request. Destroying the SDK's write
 * stream (what `pipeline(…, { signal })` does) reaches the SDK's `Upload` only as a
 * destroy without an error, and the Upload aborts its in-flight request only on an
 * `error` event — so the request kept running and could still complete. This wraps
 * `startResumableUpload_` on this one File to keep the Upload (duplexify's writable;
 * private API of @google-cloud/storage 7.22.0, pinned exactly — storage-cancel.test.ts
 * fails if it changes), and on abort destroys it with an AbortError.
 *
 * Returns a function that detaches the abort listener.
 */
export function cancelResumableOnAbort(file: File, signal: AbortSignal): () => void {
  let upload: Writable | undefined;
  const target = file as unknown as { startResumableUpload_?: (dup: unknown, options?: unknown) => void };
  const original = target.startResumableUpload_;
  if (typeof original === 'function') {
    target.startResumableUpload_ = function (this: unknown, dup: unknown, options?: unknown) {
      original.call(this, dup, options);
      const writable = (dup as { _writable?: unknown } | null)?._writable;
      if (writable instanceof Writable) upload = writable;
    };
  }
  const onAbort = () => {
    if (upload && !upload.destroyed) upload.destroy(Object.assign(new Error('the upload was aborted'), { name: 'AbortError' }));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
