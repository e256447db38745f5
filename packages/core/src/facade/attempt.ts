import type EventEmitter from 'eventemitter3';
import type { Clock } from '../clock.js';
import { PolycloudError } from '../errors/polycloud-error.js';
import type { PolycloudEvents } from '../events.js';

/**
 * One attempt on one binding. Its signal aborts when the whole operation does
 * (deadline, caller's signal: `abort(reason)` from the operation), and also — with a
 * retryable error, so the operation fails over — when the router reports the
 * binding unhealthy while the call is in flight, or when `attemptTimeoutMs` passes.
 * Without this, calls already waiting on a binding that went dark would sit out
 * the whole deadline.
 */
export interface AttemptScope {
  readonly signal: AbortSignal;
  /** Aborts the attempt because the operation itself stopped. */
  abort(reason: unknown): void;
  /** Why the attempt (not the operation) was cut short, if it was. */
  cutShort(): PolycloudError | undefined;
  /** Starts the per-attempt deadline (called when the call leaves the concurrency queue). */
  armTimeout(clock: Clock, attemptTimeoutMs: number | undefined): void;
  dispose(): void;
}

interface Tracked {
  key: string;
  cut(error: PolycloudError): void;
}

/**
 * The attempts in flight per `resource\0binding`, with ONE `health` listener per
 * event emitter (instead of one per attempt, which is costly on the hot path).
 */
class InFlightAttempts {
  readonly #byBinding = new Map<string, Set<Tracked>>();

  constructor(events: EventEmitter<PolycloudEvents>) {
    events.on('health', (e) => {
      if (e.healthy !== false) return;
      const set = this.#byBinding.get(`${e.resource}\u0000${e.binding}`);
      if (!set) return;
      const error = new PolycloudError('UNAVAILABLE', `binding ${e.binding} was marked unhealthy while the call was in flight`, { retryable: true });
      for (const t of [...set]) t.cut(error);
    });
  }

  add(t: Tracked): void {
    let set = this.#byBinding.get(t.key);
    if (!set) this.#byBinding.set(t.key, (set = new Set()));
    set.add(t);
  }

  delete(t: Tracked): void {
    const set = this.#byBinding.get(t.key);
    if (!set) return;
    set.delete(t);
    if (set.size === 0) this.#byBinding.delete(t.key);
  }
}

const registries = new WeakMap<EventEmitter<PolycloudEvents>, InFlightAttempts>();

/**
 * Registers an attempt for health cuts from the moment it is queued for its
 * binding's concurrency slot: calls waiting behind hung ones must fail over too.
 */
export function startAttempt(events: EventEmitter<PolycloudEvents>, where: { resource: string; binding: string }): AttemptScope {
  let registry = registries.get(events);
  if (!registry) registries.set(events, (registry = new InFlightAttempts(events)));
  const controller = new AbortController();
  let reason: PolycloudError | undefined;
  const tracked: Tracked = {
    key: `${where.resource}\u0000${where.binding}`,
    cut(error) {
      if (controller.signal.aborted) return;
      reason = error;
      controller.abort(error);
    },
  };
  registry.add(tracked);
  let timer: { clock: Clock; handle: unknown } | undefined;
  return {
    signal: controller.signal,
    abort: (r) => {
      if (!controller.signal.aborted) controller.abort(r);
    },
    cutShort: () => reason,
    armTimeout(clock, ms) {
      if (ms === undefined || timer) return;
      timer = { clock, handle: clock.setTimeout(() => tracked.cut(new PolycloudError('TIMEOUT', `no answer from ${where.binding} within ${ms} ms`, { retryable: true })), ms) };
    },
    dispose() {
      registry.delete(tracked);
      if (timer) timer.clock.clearTimeout(timer.handle);
    },
  };
}
