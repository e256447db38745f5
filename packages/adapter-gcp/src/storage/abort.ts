import { type GcsErrorContext, abortedError } from './errors.js';

/** Throws ABORTED if the signal already fired. */
export function throwIfAborted(signal: AbortSignal | undefined, ctx: GcsErrorContext): void {
  if (signal?.aborted) throw abortedError(ctx, signal.reason);
}

/**
 * Settles with `work`, or rejects with ABORTED as soon as `signal` fires (the SDK's
 * promise APIs take no signal; the request is left to finish or fail on its own).
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, ctx: GcsErrorContext): Promise<T> {
  if (!signal) return work;
  // If the signal wins, the request's own outcome must not become an unhandled rejection.
  work.catch(() => undefined);
  throwIfAborted(signal, ctx);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(ctx, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
