import type { EventEmitter } from 'eventemitter3';
import type { PolycloudError } from '../errors/polycloud-error.js';
import type { OperationEvent, PolycloudEvents } from '../events.js';
import type { ExecutionContext } from './context.js';

/** Where an attempt ran: error context and event payload (a type literal, so it is an ErrorContext). */
export type AttemptPlace = { resource: string; operation: string; key?: string; binding: string; provider: string };

/**
 * Feedback on a settled attempt: the router's `report` (latency and errors: its
 * health view) and the `operation` event. Both run after the outcome is settled and
 * through {@link notify}, so a throwing router or listener can neither turn a success
 * into a failure nor trigger another attempt. `place` is built only when needed
 * (not on a success without listeners).
 */
export function attemptSucceeded(
  ctx: ExecutionContext,
  resource: string,
  binding: string,
  place: () => AttemptPlace,
  attempt: number,
  durationMs: number,
  bytes: number | undefined,
): void {
  notify(ctx.events, () => ctx.router.report(resource, binding, { ok: true, latencyMs: durationMs }));
  if (ctx.events.listenerCount('operation') > 0) {
    const event = place() as OperationEvent;
    event.ok = true;
    event.durationMs = durationMs;
    event.attempt = attempt;
    if (bytes !== undefined) event.bytes = bytes;
    notify(ctx.events, () => ctx.events.emit('operation', event));
  }
}

/**
 * The failed attempt's feedback: the router hears of it if the call went out (it was
 * told the call started); the application, on the `operation` event.
 */
export function attemptFailed(
  ctx: ExecutionContext,
  resource: string,
  binding: string,
  place: () => AttemptPlace,
  outcome: { attempt: number; durationMs: number; wentOut: boolean; error: PolycloudError },
): void {
  const { attempt, durationMs, error } = outcome;
  if (outcome.wentOut) notify(ctx.events, () => ctx.router.report(resource, binding, { ok: false, latencyMs: durationMs, error }));
  notify(ctx.events, () => ctx.events.emit('operation', { ...place(), ok: false, durationMs, attempt, error }));
}

/**
 * Runs a listener-facing call (router feedback, event emission) so that a throwing
 * user listener cannot change the outcome of the operation; the throw is reported
 * on `listenerError` for the host to see.
 */
export function notify(events: EventEmitter<PolycloudEvents>, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    try {
      events.emit('listenerError', { error });
    } catch {
      // a listener of listenerError threw too: nothing more to tell
    }
  }
}
