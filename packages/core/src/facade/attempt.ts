import type EventEmitter from 'eventemitter3';
import type { Clock } from '../clock.js';
import { PolycloudError } from '../errors/polycloud-error.js';
import type { PolycloudEvents } from '../events.js';

/**
 * The signal of one attempt on one binding. It aborts when the whole operation
 * does (deadline, caller's signal), and also — with a retryable error, so the
 * caller fails over — when the router reports the binding unhealthy while the call
 * is in flight, or when `attemptTimeoutMs` passes. Without this, calls already
 * waiting on a binding that went dark would sit out the whole deadline.
 */
export interface AttemptScope {
  signal: AbortSignal;
  /** Why the attempt (not the operation) was cut short, if it was. */
  cutShort(): PolycloudError | undefined;
  dispose(): void;
}

export function startAttempt(
  operation: AbortSignal,
  events: EventEmitter<PolycloudEvents>,
  clock: Clock,
  where: { resource: string; binding: string; attemptTimeoutMs?: number },
): AttemptScope {
  const controller = new AbortController();
  let reason: PolycloudError | undefined;
  const cut = (error: PolycloudError) => {
    if (controller.signal.aborted) return;
    reason = error;
    controller.abort(error);
  };
  const onOperationAbort = () => controller.abort(operation.reason);
  if (operation.aborted) onOperationAbort();
  else operation.addEventListener('abort', onOperationAbort, { once: true });
  const onHealth = (e: { resource?: string; binding?: string; healthy?: boolean }) => {
    if (e.healthy === false && e.binding === where.binding && e.resource === where.resource) {
      cut(new PolycloudError('UNAVAILABLE', `binding ${where.binding} was marked unhealthy while the call was in flight`, { retryable: true }));
    }
  };
  events.on('health', onHealth);
  const timer =
    where.attemptTimeoutMs === undefined
      ? undefined
      : clock.setTimeout(() => cut(new PolycloudError('TIMEOUT', `no answer from ${where.binding} within ${where.attemptTimeoutMs} ms`, { retryable: true })), where.attemptTimeoutMs);
  return {
    signal: controller.signal,
    cutShort: () => reason,
    dispose() {
      events.off('health', onHealth);
      operation.removeEventListener('abort', onOperationAbort);
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
