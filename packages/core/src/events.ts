import type { JobEvent } from './compute/events.js';
import type { PolycloudError } from './errors/polycloud-error.js';
import type { FilterVerdict, HealthEvent, OperationKind, RouteExplanation } from './routing/router.js';

export type { HealthEvent } from './routing/router.js';

export interface OperationEvent {
  resource: string;
  binding: string;
  provider: string;
  operation: string;
  key?: string;
  ok: boolean;
  durationMs: number;
  /** Bytes sent (put) or announced (get), when known. */
  bytes?: number;
  /** 1-based attempt number within the operation. */
  attempt: number;
  error?: PolycloudError;
}

export interface RetryEvent {
  resource: string;
  operation: string;
  key?: string;
  attempt: number;
  delayMs: number;
  error: PolycloudError;
}

export interface FailoverEvent {
  resource: string;
  operation: string;
  key?: string;
  from: string;
  to: string;
  error: PolycloudError;
}

export interface ErrorEvent {
  resource: string;
  operation: string;
  key?: string;
  error: PolycloudError;
}

export interface RouteEvent {
  resource: string;
  operation: OperationKind;
  key?: string;
  chosen?: string;
  explanation?: RouteExplanation;
}

/**
 * Core dropped a candidate the router returned: not a binding of the resource, or
 * refused by a hard filter (residency, classification, `only`, capability) that the
 * plugged-in router did not apply. Names the binding and the reason, never data.
 */
export interface CandidateRefusedEvent {
  resource: string;
  operation: OperationKind;
  key?: string;
  binding: string;
  verdict: FilterVerdict;
  detail?: string;
}

/**
 * Something works, but not as a caller may assume: emitted once per cause (e.g.
 * `CONDITIONAL_WRITE_NOT_ENFORCED` once per binding) and logged at warn level.
 */
export interface WarningEvent {
  /** What it is about, stable: `CONDITIONAL_WRITE_NOT_ENFORCED`, `CONDITIONAL_DELETE_NOT_ENFORCED`. */
  code: string;
  message: string;
  resource?: string;
  binding?: string;
  provider?: string;
  [detail: string]: unknown;
}

/**
 * Events a Polycloud instance emits (eventemitter3). Payloads never hold secrets.
 * Routers, the sync engine and the compute facade add their own events here.
 */
export interface PolycloudEvents {
  operation: [OperationEvent];
  retry: [RetryEvent];
  failover: [FailoverEvent];
  error: [ErrorEvent];
  route: [RouteEvent];
  /** Core refused a candidate of the router's decision (see {@link CandidateRefusedEvent}). */
  'candidate-refused': [CandidateRefusedEvent];
  /**
   * A binding's health changed (emitted by routers), for applications to see. Core
   * aborts calls in flight on a binding marked unhealthy through the router's own
   * `onHealthChange`, not this event: emitting or listening here changes no call.
   */
  health: [HealthEvent];
  /** A DataJob was submitted or changed state (LogicalCluster submit / watch / wait). */
  job: [JobEvent];
  /** A one-time warning (see {@link WarningEvent}): a binding that does not enforce the conditions a caller uses. */
  warning: [WarningEvent];
  [event: string]: unknown[];
}
