import { setMaxListeners } from 'node:events';
import type { Clock } from '@polycloud/core/spi';

/** A signal for a piece of work, and the function that releases its timer and listener once the work is over. */
export interface Bounded {
  signal: AbortSignal;
  done(): void;
}

/**
 * A signal that aborts after `ms` on `clock` (never, for an infinite `ms`) with `why`,
 * or as soon as `outer` aborts. Shared by every request of the work it bounds, so it
 * takes any number of listeners.
 */
export function bounded(clock: Clock, ms: number, why: string, outer?: AbortSignal): Bounded {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const timer = Number.isFinite(ms) ? clock.setTimeout(() => controller.abort(new Error(why)), Math.max(0, ms)) : undefined;
  return {
    signal: controller.signal,
    done: () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}
