import type { Clock } from '../clock.js';
import { PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';

const timeoutReason = () => Object.assign(new Error('deadline passed'), { name: 'TimeoutError' });

/**
 * One call's deadline on the instance's clock, merged with the caller's signal.
 * Every provider and claim-store call of the operation runs under `signal`, and is
 * also raced against it ({@link bounded}), so an adapter that ignores its signal
 * cannot hold the call past the deadline.
 */
export class Deadline {
  readonly at: number;
  readonly #controller = new AbortController();
  readonly #clock: Clock;
  readonly #timer: unknown;
  readonly #user: AbortSignal | undefined;
  readonly #onUser: () => void;
  #timedOut = false;

  constructor(
    clock: Clock,
    readonly timeoutMs: number,
    userSignal: AbortSignal | undefined,
    readonly context: { resource: string; operation: string; key?: string },
  ) {
    this.#clock = clock;
    this.at = clock.now() + timeoutMs;
    this.#timer = clock.setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(timeoutReason());
    }, timeoutMs);
    this.#user = userSignal;
    this.#onUser = () => this.#controller.abort(userSignal?.reason);
    if (userSignal?.aborted) this.#onUser();
    else userSignal?.addEventListener('abort', this.#onUser, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  remaining(): number {
    return Math.max(0, this.at - this.#clock.now());
  }

  /** TIMEOUT (deadline) or ABORTED (caller's signal), with the last real error as cause. */
  error(cause?: unknown): PolycloudError {
    return this.#timedOut
      ? new PolycloudError('TIMEOUT', `${this.context.operation} did not finish within ${this.timeoutMs} ms`, { cause, context: this.context, retryable: true })
      : new PolycloudError('ABORTED', `${this.context.operation} was aborted`, { cause, context: this.context, retryable: false });
  }

  /** Throws {@link error} once the deadline passed or the caller aborted. */
  check(cause?: unknown): void {
    if (this.signal.aborted) throw this.error(cause);
  }

  dispose(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#user?.removeEventListener('abort', this.#onUser);
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (whether or not the callee honours it). */
export function bounded<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Runs `fn` under a child signal of `parent` that also aborts after `ms` (the attempt
 * timeout). A cut by `ms` becomes TIMEOUT (retryable), the parent's abort propagates
 * as its reason; every other failure is mapped to a PolycloudError with `context`.
 */
export async function withAttemptTimeout<T>(
  clock: Clock,
  parent: AbortSignal,
  ms: number,
  context: Record<string, unknown>,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let cut = false;
  const timer = clock.setTimeout(() => {
    cut = true;
    controller.abort(timeoutReason());
  }, ms);
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  try {
    return await bounded(fn(controller.signal), controller.signal);
  } catch (e) {
    if (cut && !parent.aborted) throw new PolycloudError('TIMEOUT', `no answer within ${ms} ms (attempt timeout)`, { cause: e, context, retryable: true });
    throw toPolycloudError(e, context);
  } finally {
    clock.clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}
