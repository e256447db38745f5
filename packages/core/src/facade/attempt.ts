import type { Clock } from '../clock.js';
import { PolycloudError } from '../errors/polycloud-error.js';
import type { Binding } from '../urm/binding.js';
import type { CallDeadline } from './deadline.js';
import type { Attempt, ExecutionContext } from './context.js';
import type { Cuttable } from './health-cut.js';

/**
 * One attempt on one binding. Its signal aborts when the whole call does (deadline,
 * caller's signal: `abort(reason)` from the {@link CallDeadline}), and also — with a
 * retryable error, so the call fails over — when a health cut reaches it (the router
 * marked the binding unhealthy, `HealthCuts`) or `attemptTimeoutMs` passes.
 * A class, so the hot path allocates one object and one AbortController.
 */
export class AttemptScope implements Cuttable {
  readonly #controller = new AbortController();
  #reason: PolycloudError | undefined;
  #timer: { clock: Clock; handle: unknown } | undefined;

  constructor(
    /** The in-flight set of the binding (health cuts), joined until `dispose()`. */
    readonly set: Set<Cuttable>,
    readonly binding: string,
  ) {
    set.add(this);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts the attempt, not the call: it fails with `error` (retryable) and the call fails over. */
  cut(error: PolycloudError): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = error;
    this.#controller.abort(error);
  }

  /** Aborts the attempt because the call itself stopped. */
  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Why the attempt (not the call) was cut short, if it was. */
  cutShort(): PolycloudError | undefined {
    return this.#reason;
  }

  /** Starts the per-attempt deadline (when the call leaves the concurrency queue). */
  armTimeout(clock: Clock, ms: number | undefined): void {
    if (ms === undefined || this.#timer) return;
    this.#timer = {
      clock,
      handle: clock.setTimeout(() => this.cut(new PolycloudError('TIMEOUT', `no answer from ${this.binding} within ${ms} ms`, { retryable: true })), ms),
    };
  }

  dispose(): void {
    this.set.delete(this);
    if (this.#timer) this.#timer.clock.clearTimeout(this.#timer.handle);
  }
}

/** What one attempt came to. `wentOut`: the call left the concurrency queue (the router was told it started). */
export type AttemptOutcome<T> =
  | { ok: true; result: T; wentOut: true; durationMs: number }
  | { ok: false; raw: unknown; cut: PolycloudError | undefined; stopped: boolean; wentOut: boolean; durationMs: number };

/**
 * Runs one attempt on `binding`: joins the binding's health-cut set from the moment
 * it is queued (calls waiting behind hung ones must fail over too), waits for a
 * concurrency slot (local: the attempt's clock, timeout and in-flight count start
 * once the call goes out), then calls `run` with the attempt's signal. Never
 * throws: the outcome says what happened, and whether a cut or the call's stop
 * caused it.
 */
export async function runAttempt<T>(
  ctx: ExecutionContext,
  deadline: CallDeadline,
  resource: string,
  binding: Binding,
  attempt: number,
  run: (attempt: Attempt) => Promise<T>,
): Promise<AttemptOutcome<T>> {
  const scope = new AttemptScope(ctx.cuts.on(resource, binding.id), binding.id);
  deadline.guard(scope);
  const slots = ctx.limiter(resource, binding.id);
  if (!slots.tryAcquire()) await slots.acquire();
  let started = 0;
  let wentOut = false;
  let ok = false;
  let result: T | undefined;
  let raw: unknown;
  try {
    const cutWhileQueued = scope.cutShort();
    if (deadline.stopped) raw = undefined;
    else if (cutWhileQueued) raw = cutWhileQueued;
    else {
      started = ctx.clock.now();
      wentOut = true;
      ctx.router.onStart?.(resource, binding.id);
      scope.armTimeout(ctx.clock, ctx.attemptTimeoutMs);
      try {
        result = await run({ binding, signal: scope.signal, attempt });
        ok = true;
      } catch (e) {
        raw = e;
      }
    }
  } finally {
    slots.release();
  }
  deadline.guard(undefined);
  scope.dispose();
  const durationMs = wentOut ? ctx.clock.now() - started : 0;
  if (ok) return { ok: true, result: result as T, wentOut: true, durationMs };
  return { ok: false, raw, cut: scope.cutShort(), stopped: deadline.stopped, wentOut, durationMs };
}
