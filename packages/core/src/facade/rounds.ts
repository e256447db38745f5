import { PolycloudError, toPolycloudError } from '../errors/polycloud-error.js';
import { admitCandidates } from '../routing/filter.js';
import type { RouteDecision, RouteRequest } from '../routing/router.js';
import { runAttempt } from './attempt.js';
import type { CallDeadline } from './deadline.js';
import type { Attempt, ExecuteHooks, ExecutionContext } from './context.js';
import { attemptFailed, type AttemptPlace, attemptSucceeded, notify } from './feedback.js';
import { backoffDelay } from './retry.js';

/**
 * Failover rounds: a call's one retry loop. Each round asks the router for its
 * candidates (so its fresh health view applies), keeps those core admits
 * ({@link admittedCandidates}), and tries them in order, failing over to the next on
 * a retryable error; between rounds it backs off with jitter. Every attempt counts
 * against `retry.maxAttempts`. Stops at once when the {@link CallDeadline} does.
 */
export async function runRounds<T>(
  ctx: ExecutionContext,
  request: RouteRequest,
  deadline: CallDeadline,
  run: (attempt: Attempt) => Promise<T>,
  hooks: ExecuteHooks<T>,
): Promise<T> {
  const resource = request.resource.resource_id;
  const base = deadline.context;
  const maxAttempts = ctx.retry.maxAttempts;
  let attempt = 0;
  let round = 0;
  let lastError: PolycloudError | undefined;
  while (attempt < maxAttempts) {
    round++;
    const decision = ctx.router.route(request);
    if (decision.candidates.length === 0) {
      throw lastError ?? new PolycloudError('UNAVAILABLE', `the router offered no binding for ${request.operation}`, { context: base });
    }
    // Whatever router is plugged in, no adapter is called for a candidate the hard filters refuse.
    const candidates = admittedCandidates(ctx, request, decision);
    for (let i = 0; i < candidates.length && attempt < maxAttempts; i++) {
      if (deadline.stopped) throw deadline.error(lastError);
      const binding = candidates[i]!;
      attempt++;
      // Error context and event payload: built only when needed (not on a success without listeners).
      const place = (): AttemptPlace =>
        request.key === undefined
          ? { resource, operation: request.operation, binding: binding.id, provider: hooks.provider(binding) }
          : { resource, operation: request.operation, key: request.key, binding: binding.id, provider: hooks.provider(binding) };
      const outcome = await runAttempt(ctx, deadline, resource, binding, attempt, run);
      if (outcome.ok) {
        attemptSucceeded(ctx, resource, binding.id, place, attempt, outcome.durationMs, hooks.bytes?.(outcome.result));
        return outcome.result;
      }
      const cut = outcome.cut;
      const error = outcome.stopped
        ? deadline.error(outcome.wentOut ? outcome.raw : lastError)
        : cut
          ? new PolycloudError(cut.code, cut.message, { retryable: true, cause: outcome.raw, context: place() })
          : toPolycloudError(outcome.raw, place());
      attemptFailed(ctx, resource, binding.id, place, { attempt, durationMs: outcome.durationMs, wentOut: outcome.wentOut, error });
      if (outcome.stopped) throw error;
      lastError = error;
      if (!error.retryable || (hooks.canRetry && !hooks.canRetry()) || attempt >= maxAttempts) throw error;
      const next = candidates[i + 1];
      if (next) notify(ctx.events, () => ctx.events.emit('failover', { ...base, from: binding.id, to: next.id, error }));
    }
    if (attempt >= maxAttempts) break;
    const delayMs = backoffDelay(round, ctx.retry, ctx.random);
    notify(ctx.events, () => ctx.events.emit('retry', { ...base, attempt: attempt + 1, delayMs, error: lastError! }));
    await deadline.sleep(delayMs, lastError);
  }
  throw lastError ?? new PolycloudError('UNAVAILABLE', `${request.operation} found no binding to try`, { context: base });
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
    notify(ctx.events, () =>
      ctx.events.emit('candidate-refused', {
        resource: request.resource.resource_id,
        operation: request.operation,
        ...(request.key === undefined ? {} : { key: request.key }),
        ...refused,
      }),
    ),
  );
}
