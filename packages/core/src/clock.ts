/** Time source. Core never reads `Date.now()` or sets timers except through a Clock, so tests can fake time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on `clock`; rejects with the signal's reason if aborted. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(abortReason(signal!));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError' });
}

let held = 0;
let holder: ReturnType<typeof setInterval> | undefined;

/**
 * Keeps the Node process alive while work is pending, although every Clock timer is
 * unref'd: a script whose only pending work is a retry back-off or a replication
 * drain must not exit silently mid-call. One timer for the whole process, ref'd while
 * at least one holder is there and unref'd (not cleared: that is cheaper per call)
 * when the last one leaves; call the returned function exactly once.
 */
export function holdProcess(): () => void {
  if (held++ === 0) {
    holder ??= setInterval(noop, 2 ** 31 - 1);
    holder.ref?.();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--held === 0) holder?.unref?.();
  };
}

function noop(): void {}
