import type { EventEmitter } from 'eventemitter3';
import { type Clock, holdProcess, sleep } from '../clock.js';
import { PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import type { OperationEvent, PolycloudEvents } from '../events.js';
import { admitCandidates } from '../routing/filter.js';
import type { ResidencyZones } from '../routing/residency.js';
import type { RouteDecision, Router, RouterContext, RouteRequest } from '../routing/router.js';
import type { Binding } from '../urm/binding.js';
import { type AttemptScope, startAttempt } from './attempt.js';
import { backoffDelay, type RetryOptions } from './retry.js';
import type { ConcurrencySlots } from './slots.js';

/** What every facade operation shares: router, clock, events, limits and retry policy. */
export interface ExecutionContext {
  router: Router;
  /** Residency zones: core checks every candidate the router returns against them. */
  residency: ResidencyZones;
  /** Capabilities of the adapter behind a binding (core's check of the router's candidates). */
  capabilities: RouterContext['capabilities'];
  clock: Clock;
  events: EventEmitter<PolycloudEvents>;
  retry: RetryOptions;
  random: () => number;
  /** Default overall deadline per operation, ms. */
  timeoutMs: number;
  /** Deadline of one attempt on one binding, after which the call fails over (ms); none by default. */
  attemptTimeoutMs?: number;
  /** The concurrency slots of a binding (one set per `resource\0binding`). */
  limiter(resourceId: string, bindingId: string): ConcurrencySlots;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overall deadline for this operation across retries and failovers, ms. */
  timeoutMs?: number;
}

export interface Attempt {
  binding: Binding;
  signal: AbortSignal;
  attempt: number;
}

/**
 * Runs one operation: routes it, tries the candidates in order, fails over on a
 * retryable error, backs off with jitter between rounds (re-routing each round, so
 * the router's fresh health view applies), and honours the deadline and abort
 * signal. `canRetry` says whether another attempt is still possible (a consumed
 * stream body is not).
 */
export async function execute<T>(
  ctx: ExecutionContext,
  request: RouteRequest,
  options: CallOptions,
  run: (attempt: Attempt) => Promise<T>,
  hooks: { canRetry?: () => boolean; bytes?: (result: T) => number | undefined; provider: (binding: Binding) => string } ,
): Promise<T> {
  const resource = request.resource.resource_id;
  // Plain literals, not spreads: these run on every call.
  const base: { resource: string; operation: string; key?: string } =
    request.key === undefined ? { resource, operation: request.operation } : { resource, operation: request.operation, key: request.key };
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs;
  // What stopped the whole operation (deadline or caller's signal), first one wins.
  // No AbortController of its own: the attempt in flight and a backoff sleep are
  // aborted directly, which keeps the common path to one controller per attempt.
  let stopped: { timedOut: boolean; reason: unknown } | undefined;
  let current: AttemptScope | undefined;
  let sleeping: AbortController | undefined;
  const stop = (timedOut: boolean, reason: unknown) => {
    if (stopped) return;
    stopped = { timedOut, reason };
    current?.abort(reason);
    sleeping?.abort(reason);
  };
  const timer = ctx.clock.setTimeout(() => stop(true, Object.assign(new Error('operation timed out'), { name: 'TimeoutError' })), timeoutMs);
  // The clock's timers are unref'd: the caller's pending promise keeps the process alive instead.
  const release = holdProcess();
  const userSignal = options.signal;
  const onUserAbort = () => stop(false, userSignal?.reason);
  if (userSignal?.aborted) onUserAbort();
  else userSignal?.addEventListener('abort', onUserAbort, { once: true });

  const stopError = (cause?: unknown) =>
    stopped?.timedOut
      ? new PolycloudError('TIMEOUT', `${request.operation} did not finish within ${timeoutMs} ms`, { context: base, cause, retryable: true })
      : new PolycloudError('ABORTED', `${request.operation} was aborted`, { context: base, cause, retryable: false });

  try {
    let attempt = 0;
    let round = 0;
    let lastError: PolycloudError | undefined;
    while (attempt < ctx.retry.maxAttempts) {
      round++;
      const decision = ctx.router.route(request);
      if (decision.candidates.length === 0) {
        throw lastError ?? new PolycloudError('UNAVAILABLE', `the router offered no binding for ${request.operation}`, { context: base });
      }
      // Whatever router is plugged in, no adapter is called for a candidate the hard filters refuse.
      const candidates = admittedCandidates(ctx, request, decision);
      for (let i = 0; i < candidates.length && attempt < ctx.retry.maxAttempts; i++) {
        if (stopped) throw stopError(lastError);
        const binding = candidates[i]!;
        // Error context and event payload: built only when needed (not on a success without listeners).
        const where = (): { resource: string; operation: string; key?: string; binding: string; provider: string } =>
          request.key === undefined
            ? { resource, operation: request.operation, binding: binding.id, provider: hooks.provider(binding) }
            : { resource, operation: request.operation, key: request.key, binding: binding.id, provider: hooks.provider(binding) };
        attempt++;
        let started = 0;
        let wentOut = false;
        // The attempt can be cut (binding marked unhealthy) from the moment it is
        // queued; but queueing for the binding's concurrency slot is local, so the
        // attempt's clock, deadline and in-flight count start once the call goes out.
        current = startAttempt(ctx.events, { resource, binding: binding.id });
        const queued = current;
        const slots = ctx.limiter(resource, binding.id);
        if (!slots.tryAcquire()) await slots.acquire();
        let outcome: { ok: true; result: T } | { ok: false; raw: unknown };
        try {
          const cutWhileQueued = queued.cutShort();
          if (stopped) outcome = { ok: false, raw: stopError(lastError) };
          else if (cutWhileQueued) outcome = { ok: false, raw: cutWhileQueued };
          else {
            started = ctx.clock.now();
            wentOut = true;
            ctx.router.onStart?.(resource, binding.id);
            queued.armTimeout(ctx.clock, ctx.attemptTimeoutMs);
            try {
              outcome = { ok: true, result: await run({ binding, signal: queued.signal, attempt }) };
            } catch (raw) {
              outcome = { ok: false, raw };
            }
          }
        } finally {
          slots.release();
        }
        const scope = current;
        current = undefined;
        scope?.dispose();
        const durationMs = wentOut ? ctx.clock.now() - started : 0;
        if (outcome.ok) {
          // Listeners run after the outcome is settled: a listener that throws can
          // neither turn this success into a failure nor trigger a second attempt.
          const bytes = hooks.bytes?.(outcome.result);
          notify(ctx, () => ctx.router.report(resource, binding.id, { ok: true, latencyMs: durationMs }));
          if (ctx.events.listenerCount('operation') > 0) {
            const event: OperationEvent = where() as OperationEvent;
            event.ok = true;
            event.durationMs = durationMs;
            event.attempt = attempt;
            if (bytes !== undefined) event.bytes = bytes;
            notify(ctx, () => ctx.events.emit('operation', event));
          }
          return outcome.result;
        }
        const cut = scope?.cutShort();
        const error = stopped
          ? stopError(outcome.raw)
          : cut
            ? new PolycloudError(cut.code, cut.message, { retryable: true, cause: outcome.raw, context: where() })
            : toPolycloudError(outcome.raw, where());
        if (wentOut) notify(ctx, () => ctx.router.report(resource, binding.id, { ok: false, latencyMs: durationMs, error }));
        notify(ctx, () => ctx.events.emit('operation', { ...where(), ok: false, durationMs, attempt, error }));
        if (stopped) throw error;
        lastError = error;
        if (!error.retryable || (hooks.canRetry && !hooks.canRetry()) || attempt >= ctx.retry.maxAttempts) throw error;
        const next = candidates[i + 1];
        if (next) notify(ctx, () => ctx.events.emit('failover', { ...base, from: binding.id, to: next.id, error }));
      }
      if (attempt >= ctx.retry.maxAttempts) break;
      const delayMs = backoffDelay(round, ctx.retry, ctx.random);
      notify(ctx, () => ctx.events.emit('retry', { ...base, attempt: attempt + 1, delayMs, error: lastError! }));
      sleeping = new AbortController();
      if (stopped) throw stopError(lastError);
      try {
        await sleep(ctx.clock, delayMs, sleeping.signal);
      } catch (e) {
        throw stopError(lastError ?? e);
      } finally {
        sleeping = undefined;
      }
    }
    throw lastError ?? new PolycloudError('UNAVAILABLE', `${request.operation} found no binding to try`, { context: base });
  } catch (e) {
    const error = toPolycloudError(e, base);
    notify(ctx, () => ctx.events.emit('error', { ...base, error }));
    throw error;
  } finally {
    release();
    ctx.clock.clearTimeout(timer);
    userSignal?.removeEventListener('abort', onUserAbort);
  }
}

/**
 * The router's candidates that core admits ({@link admitCandidates}: a binding of the
 * resource passing residency, classification, `only` and capability), in the router's
 * order. Each one dropped is reported on `candidate-refused`; none left throws
 * RESIDENCY_VIOLATION (or UNSUPPORTED / UNAVAILABLE, as the hard filter would).
 * Compute submit uses it too, so jobs are held to the same rule.
 */
export function admittedCandidates(ctx: ExecutionContext, request: RouteRequest, decision: RouteDecision): RouteDecision['candidates'] {
  return admitCandidates(request, decision.candidates, ctx, (refused) =>
    notify(ctx, () =>
      ctx.events.emit('candidate-refused', {
        resource: request.resource.resource_id,
        operation: request.operation,
        ...(request.key === undefined ? {} : { key: request.key }),
        ...refused,
      }),
    ),
  );
}

/**
 * Runs a listener-facing call (router feedback, event emission) so that a throwing
 * user listener cannot change the outcome of the operation; the throw is reported
 * on `listenerError` for the host to see.
 */
function notify(ctx: ExecutionContext, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    try {
      ctx.events.emit('listenerError', { error });
    } catch {
      // a listener of listenerError threw too: nothing more to tell
    }
  }
}
