import { toPolycloudError } from '../errors/polycloud-error.js';
import type { RouteRequest } from '../routing/router.js';
import { CallDeadline } from './deadline.js';
import { notify } from './feedback.js';
import { runRounds } from './rounds.js';
import type { Attempt, CallOptions, ExecuteHooks, ExecutionContext } from './context.js';

export type { Attempt, CallOptions, ExecuteHooks, ExecutionContext } from './context.js';

export { admittedCandidates } from './rounds.js';

/**
 * Runs one operation, composed of small parts: a {@link CallDeadline} (overall
 * deadline and caller abort, one stop), {@link runRounds} (route each round, fail
 * over along the candidates, back off between rounds: the call's one retry loop),
 * `runAttempt` (concurrency slot, health cut, attempt timeout) and the
 * feedback to router and events. A failure is also emitted on `error`.
 */
export async function execute<T>(
  ctx: ExecutionContext,
  request: RouteRequest,
  options: CallOptions,
  run: (attempt: Attempt) => Promise<T>,
  hooks: ExecuteHooks<T>,
): Promise<T> {
  const resource = request.resource.resource_id;
  // Plain literals, not spreads: these run on every call.
  const context: { resource: string; operation: string; key?: string } =
    request.key === undefined ? { resource, operation: request.operation } : { resource, operation: request.operation, key: request.key };
  const deadline = new CallDeadline(ctx.clock, options.timeoutMs ?? ctx.timeoutMs, options.signal, request.operation, context);
  try {
    return await runRounds(ctx, request, deadline, run, hooks);
  } catch (e) {
    const error = toPolycloudError(e, context);
    notify(ctx.events, () => ctx.events.emit('error', { ...context, error }));
    throw error;
  } finally {
    deadline.dispose();
  }
}
