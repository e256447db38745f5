import type EventEmitter from 'eventemitter3';
import type { LimitFunction } from 'p-limit';
import { type Clock, sleep } from '../clock.js';
import { PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import type { PolycloudEvents } from '../events.js';
import type { Router, RouteRequest } from '../routing/router.js';
import type { Binding } from '../urm/binding.js';
import { startAttempt } from './attempt.js';
import { backoffDelay, type RetryOptions } from './retry.js';

/** What every facade operation shares: router, clock, events, limits and retry policy. */
export interface ExecutionContext {
  router: Router;
  clock: Clock;
  events: EventEmitter<PolycloudEvents>;
  retry: RetryOptions;
  random: () => number;
  /** Default overall deadline per operation, ms. */
  timeoutMs: number;
  /** Deadline of one attempt on one binding, after which the call fails over (ms); none by default. */
  attemptTimeoutMs?: number;
  /** Concurrency limiter per binding (`resource\0binding`). */
  limiter(resourceId: string, bindingId: string): LimitFunction;
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
  const base = { resource, operation: request.operation, ...(request.key === undefined ? {} : { key: request.key }) };
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? ctx.timeoutMs;
  let timedOut = false;
  const timer = ctx.clock.setTimeout(() => {
    timedOut = true;
    controller.abort(Object.assign(new Error('operation timed out'), { name: 'TimeoutError' }));
  }, timeoutMs);
  const onUserAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onUserAbort();
  else options.signal?.addEventListener('abort', onUserAbort, { once: true });

  const stopError = (cause?: unknown) =>
    timedOut
      ? new PolycloudError('TIMEOUT', `${request.operation} did not finish within ${timeoutMs} ms`, { context: base, cause, retryable: true })
      : new PolycloudError('ABORTED', `${request.operation} was aborted`, { context: base, cause, retryable: false });

  try {
    let attempt = 0;
    let round = 0;
    let lastError: PolycloudError | undefined;
    while (attempt < ctx.retry.maxAttempts) {
      round++;
      const decision = ctx.router.route(request);
      for (let i = 0; i < decision.candidates.length && attempt < ctx.retry.maxAttempts; i++) {
        if (controller.signal.aborted) throw stopError(lastError);
        const binding = decision.candidates[i]!;
        attempt++;
        const started = ctx.clock.now();
        ctx.router.onStart?.(resource, binding.id);
        const scope = startAttempt(controller.signal, ctx.events, ctx.clock, {
          resource,
          binding: binding.id,
          ...(ctx.attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs: ctx.attemptTimeoutMs }),
        });
        try {
          const result = await ctx.limiter(resource, binding.id)(() => {
            if (controller.signal.aborted) throw stopError(lastError);
            const cut = scope.cutShort();
            if (cut) throw cut;
            return run({ binding, signal: scope.signal, attempt });
          });
          const durationMs = ctx.clock.now() - started;
          ctx.router.report(resource, binding.id, { ok: true, latencyMs: durationMs });
          const bytes = hooks.bytes?.(result);
          ctx.events.emit('operation', { ...base, binding: binding.id, provider: hooks.provider(binding), ok: true, durationMs, attempt, ...(bytes === undefined ? {} : { bytes }) });
          return result;
        } catch (raw) {
          const durationMs = ctx.clock.now() - started;
          const where = { ...base, binding: binding.id, provider: hooks.provider(binding) };
          const cut = scope.cutShort();
          const error = controller.signal.aborted
            ? stopError(raw)
            : cut
              ? new PolycloudError(cut.code, cut.message, { retryable: true, cause: raw, context: where })
              : toPolycloudError(raw, where);
          ctx.router.report(resource, binding.id, { ok: false, latencyMs: durationMs, error });
          ctx.events.emit('operation', { ...base, binding: binding.id, provider: hooks.provider(binding), ok: false, durationMs, attempt, error });
          if (controller.signal.aborted) throw error;
          lastError = error;
          if (!error.retryable || (hooks.canRetry && !hooks.canRetry()) || attempt >= ctx.retry.maxAttempts) throw error;
          const next = decision.candidates[i + 1];
          if (next) ctx.events.emit('failover', { ...base, from: binding.id, to: next.id, error });
        } finally {
          scope.dispose();
        }
      }
      if (attempt >= ctx.retry.maxAttempts) break;
      const delayMs = backoffDelay(round, ctx.retry, ctx.random);
      ctx.events.emit('retry', { ...base, attempt: attempt + 1, delayMs, error: lastError! });
      try {
        await sleep(ctx.clock, delayMs, controller.signal);
      } catch (e) {
        throw stopError(lastError ?? e);
      }
    }
    throw lastError ?? new PolycloudError('UNAVAILABLE', `${request.operation} found no binding to try`, { context: base });
  } catch (e) {
    const error = toPolycloudError(e, base);
    ctx.events.emit('error', { ...base, error });
    throw error;
  } finally {
    ctx.clock.clearTimeout(timer);
    options.signal?.removeEventListener('abort', onUserAbort);
  }
}
