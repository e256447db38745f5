/**
 * Settles with `work`, or rejects with `abortError(reason)` as soon as `signal` fires
 * (also when it already fired). For SDK promise calls that take no signal: `cancel`,
 * when given, is called on abort to stop the request itself; without it the request
 * is left to finish or fail on its own, and its outcome is swallowed so it never
 * becomes an unhandled rejection.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, abortError: (reason: unknown) => unknown, cancel?: () => void): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) {
    cancel?.();
    return Promise.reject(abortError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      cancel?.();
      reject(abortError(signal.reason));
    };
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
