import { type Clock, holdProcess, sleep } from '../clock.js';
import { PolycloudError } from '../errors/polycloud-error.js';

/** What a deadline aborts when it fires: the attempt in flight or a back-off sleep. */
export interface Abortable {
  abort(reason: unknown): void;
}

/**
 * The deadline of one call: its overall timeout and the caller's abort signal,
 * combined into one stop (the first one wins; {@link CallDeadline.stopped}). It has
 * no AbortController of its own: the one thing it guards at a time — the attempt in
 * flight or a back-off sleep — is aborted directly, which keeps the common path to
 * one controller per attempt. Holds the process alive while the call runs (the
 * clock's timers are unref'd). Call `dispose()` when the call is over.
 */
export class CallDeadline {
  #stopped: { timedOut: boolean; reason: unknown } | undefined;
  #guarded: Abortable | undefined;
  readonly #clock: Clock;
  readonly #timer: unknown;
  readonly #release: () => void;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort: (() => void) | undefined;

  constructor(
    clock: Clock,
    readonly timeoutMs: number,
    signal: AbortSignal | undefined,
    /** The operation and its error context (TIMEOUT / ABORTED errors). */
    readonly operation: string,
    readonly context: { resource: string; operation: string; key?: string },
  ) {
    this.#clock = clock;
    this.#timer = clock.setTimeout(() => this.#stop(true, Object.assign(new Error('operation timed out'), { name: 'TimeoutError' })), timeoutMs);
    this.#release = holdProcess();
    this.#signal = signal;
    if (signal) {
      const onAbort = () => this.#stop(false, signal.reason);
      this.#onAbort = onAbort;
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  }

  /** True once the deadline passed or the caller aborted. */
  get stopped(): boolean {
    return this.#stopped !== undefined;
  }

  /** Sets what a stop aborts from now on (undefined: nothing). */
  guard(target: Abortable | undefined): void {
    this.#guarded = target;
  }

  /** The call's error once stopped: TIMEOUT (retryable) or ABORTED. */
  error(cause?: unknown): PolycloudError {
    const context = this.context;
    return this.#stopped?.timedOut
      ? new PolycloudError('TIMEOUT', `${this.operation} did not finish within ${this.timeoutMs} ms`, { context, cause, retryable: true })
      : new PolycloudError('ABORTED', `${this.operation} was aborted`, { context, cause, retryable: false });
  }

  /** Waits `ms` (a back-off); throws {@link CallDeadline.error} (with `cause`) if the call stops first. */
  async sleep(ms: number, cause: unknown): Promise<void> {
    if (this.#stopped) throw this.error(cause);
    const sleeping = new AbortController();
    this.#guarded = sleeping;
    try {
      await sleep(this.#clock, ms, sleeping.signal);
    } catch (e) {
      throw this.error(cause ?? e);
    } finally {
      this.#guarded = undefined;
    }
  }

  dispose(): void {
    this.#release();
    this.#clock.clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  #stop(timedOut: boolean, reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = { timedOut, reason };
    this.#guarded?.abort(reason);
  }
}
