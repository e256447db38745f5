// The types the parts of the execution path share (execute, rounds, attempt, feedback),
// in a module of their own so that none of the parts imports another's composition.
import type { EventEmitter } from 'eventemitter3';
import type { Clock } from '../clock.js';
import type { PolycloudError } from '../errors/polycloud-error.js';
import type { PolycloudEvents } from '../events.js';
import type { ResidencyZones } from '../routing/residency.js';
import type { Router, RouterContext } from '../routing/router.js';
import type { Binding } from '../urm/binding.js';
import type { HealthCuts } from './health-cut.js';
import type { RetryOptions } from './retry.js';
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
  /** The attempts on each binding, cut when the router marks it unhealthy. */
  cuts: HealthCuts;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overall deadline for this operation across retries and failovers, ms. */
  timeoutMs?: number;
}

/** One attempt as the operation's `run` sees it. */
export interface Attempt {
  binding: Binding;
  signal: AbortSignal;
  /** 1 for the first attempt of the call; a re-try in place keeps the number. */
  attempt: number;
  /** Races lost in a row on this binding just before (0 on a fresh attempt; see `ExecuteHooks.again`). */
  race: number;
}

/** What a facade operation tells `execute` about itself. */
export interface ExecuteHooks<T> {
  /** The adapter type of a binding (event payloads, error context). */
  provider: (binding: Binding) => string;
  /** Whether another attempt is still possible (a consumed stream body is not). */
  canRetry?: () => boolean;
  /** Bytes moved, for the `operation` event. */
  bytes?: (result: T) => number | undefined;
  /**
   * True when a failed attempt should be sent again to the same binding at once,
   * outside `retry.maxAttempts` (a write that lost a race on its own internal
   * condition); see `runRounds`.
   */
  again?: (error: PolycloudError) => boolean;
}
