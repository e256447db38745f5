import type { EventEmitter } from 'eventemitter3';
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

/**
 * The attempts in flight per `resource\0binding`, with ONE `health` listener per
 * event emitter (instead of one per attempt, which is costly on the hot path).
 */
class InFlightAttempts {
  /** resource → binding → attempts. Empty sets stay (one per binding ever used): dropping them would re-create one per call. */
  readonly #byResource = new Map<string, Map<string, Set<Scope>>>();

  constructor(events: EventEmitter<PolycloudEvents>) {
    events.on('health', (e) => {
      if (e.healthy !== false) return;
      const set = this.#byResource.get(e.resource)?.get(e.binding);
      if (!set?.size) return;
      const error = new PolycloudError('UNAVAILABLE', `binding ${e.binding} was marked unhealthy while the call was in flight`, { retryable: true });
      for (const t of [...set]) t.cut(error);
    });
  }

  /** The set of attempts on one binding, made on first use. */
  setOf(resource: string, binding: string): Set<Scope> {
    let byBinding = this.#byResource.get(resource);
    if (!byBinding) this.#byResource.set(resource, (byBinding = new Map()));
    let set = byBinding.get(binding);
    if (!set) byBinding.set(binding, (set = new Set()));
    return set;
  }
}

const registries = new WeakMap<EventEmitter<PolycloudEvents>, InFlightAttempts>();

/** One attempt's state: a class, so the hot path allocates one object and one AbortController. */
class Scope implements AttemptScope {
  readonly #controller = new AbortController();
  #reason: PolycloudError | undefined;
  #timer: { clock: Clock; handle: unknown } | undefined;

  constructor(
    readonly set: Set<Scope>,
    readonly binding: string,
  ) {
    set.add(this);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  cut(error: PolycloudError): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = error;
    this.#controller.abort(error);
  }

  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  cutShort(): PolycloudError | undefined {
    return this.#reason;
  }

  armTimeout(clock: Clock, ms: number | undefined): void {
    if (ms === undefined || this.#timer) return;
    this.#timer = { clock, handle: clock.setTimeout(() => this.cut(new PolycloudError('TIMEOUT', `no answer from ${this.binding} within ${ms} ms`, { retryable: true })), ms) };
  }

  dispose(): void {
    this.set.delete(this);
    if (this.#timer) this.#timer.clock.clearTimeout(this.#timer.handle);
  }
}

/**
 * Registers an attempt for health cuts from the moment it is queued for its
 * binding's concurrency slot: calls waiting behind hung ones must fail over too.
 */
export function startAttempt(events: EventEmitter<PolycloudEvents>, where: { resource: string; binding: string }): AttemptScope {
  let registry = registries.get(events);
  if (!registry) registries.set(events, (registry = new InFlightAttempts(events)));
  return new Scope(registry.setOf(where.resource, where.binding), where.binding);
}
