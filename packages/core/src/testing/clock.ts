import { type Clock, PolycloudError } from '@polycloud/core/spi';

/** A Clock whose time moves only when a test says so. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, in
   * due-time order (ties in scheduling order). Between timers it lets pending
   * promise chains settle, so code that awaits, then sets the next timer (back-off,
   * deadlines, polling loops) progresses as it would in real time.
   */
  advance(ms: number): Promise<void>;
  /** Moves time to an absolute epoch-ms instant (never backwards). */
  advanceTo(epochMs: number): Promise<void>;
  /**
   * Runs timers until none is left (including ones scheduled by the timers it
   * runs), moving time to each one's due time. Throws UNEXPECTED after `limit`
   * timers, which usually means a timer re-arms itself forever.
   */
  runAll(limit?: number): Promise<void>;
  /** Runs only the next due timer, if any; returns false when none was pending. */
  runNext(): Promise<boolean>;
  /** Lets pending promise chains settle without moving time. */
  flush(): Promise<void>;
  /** Timers scheduled and not yet run or cleared. */
  pendingTimers(): number;
}

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/** Lets every queued microtask and nextTick run, including chains they start. */
async function settle(): Promise<void> {
  // Two macrotask turns: the first drains microtasks and nextTicks, the second lets
  // anything those scheduled with setImmediate (stream internals) run too.
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A fake {@link Clock} for deterministic tests, starting at `startMs` (epoch ms,
 * default 2026-01-01T00:00:00Z). Pass it to `createPolycloud({ clock })`,
 * `createMemoryComputeAdapter({ clock })` or the fault injectors.
 */
export function createFakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, Timer>();

  const next = (until: number): Timer | undefined => {
    let best: Timer | undefined;
    for (const t of timers.values()) {
      if (t.due > until) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  };

  const fire = async (t: Timer): Promise<void> => {
    timers.delete(t.id);
    now = Math.max(now, t.due);
    t.fn();
    await settle();
  };

  const clock: FakeClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      timers.set(id, { id, due: now + delay, fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    async advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new PolycloudError('INVALID_ARGUMENT', 'advance(ms) needs a finite, non-negative number', { context: { path: ['ms'] } });
      }
      await clock.advanceTo(now + ms);
    },
    async advanceTo(epochMs) {
      const target = Math.max(now, epochMs);
      await settle();
      for (let t = next(target); t; t = next(target)) await fire(t);
      now = target;
      await settle();
    },
    async runAll(limit = 10_000) {
      await settle();
      for (let n = 0; timers.size > 0; n++) {
        if (n >= limit) {
          throw new PolycloudError('UNEXPECTED', `runAll() ran ${limit} timers and more keep coming`, { retryable: false });
        }
        await fire(next(Infinity)!);
      }
    },
    async runNext() {
      await settle();
      const t = next(Infinity);
      if (!t) return false;
      await fire(t);
      return true;
    },
    flush: settle,
    pendingTimers: () => timers.size,
  };
  return clock;
}
