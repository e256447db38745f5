import type { ComputeCapabilities, StorageCapabilities } from '../adapter/capabilities.js';
import type { Clock } from '../clock.js';
import type { PolycloudError } from '../errors/polycloud-error.js';
import type { Binding } from '../urm/binding.js';
import type { UrmDocument } from '../urm/resources.js';
import type { ResidencyZones } from './residency.js';

/** What an operation does, as routing sees it. */
export type OperationKind = 'read' | 'head' | 'list' | 'write' | 'delete' | 'copy' | 'presign' | 'submit' | 'status' | 'cancel';

export interface RouteRequest {
  resource: UrmDocument;
  operation: OperationKind;
  /** Object key, or a job's idempotency key: sticky routing hashes it. */
  key?: string;
  /** Data tags (resource tags merged with the object's or job's): residency, classification, … */
  tags: Record<string, string>;
  /** Boolean capabilities the operation needs on the binding. */
  requires?: readonly string[];
  /** For compute: the job's size, to price it. */
  job?: { cpu: number; memoryMiB: number };
  /** Restrict to these binding ids (e.g. `spec.cloud`, or a replicator target). */
  only?: readonly string[];
}

export type FilterVerdict = 'ok' | 'residency' | 'classification' | 'capability' | 'unhealthy' | 'excluded';

export interface RouteDecision {
  /** Bindings to try in order: the first is the pick, the rest are failover candidates. All pass the hard filters. */
  candidates: Binding[];
  /** Bindings refused, and why. */
  rejected: { binding: string; verdict: FilterVerdict; detail?: string }[];
  /** True when health was ignored because nothing compliant was healthy (panic mode). */
  panic?: boolean;
}

export interface RouteOutcome {
  ok: boolean;
  /** Wall time of the attempt on that binding. */
  latencyMs: number;
  error?: PolycloudError;
}

/** One candidate in an explanation: its verdicts and the sub-scores behind its weight. */
export interface ExplainedCandidate {
  binding: string;
  provider: string;
  cloud: string;
  region?: string;
  verdict: FilterVerdict;
  detail?: string;
  /** Final routing weight (0 when filtered out). */
  weight: number;
  /** Named factors whose product (or rule) gave the weight. */
  scores: Record<string, number>;
  rank?: number;
}

export interface RouteExplanation {
  resource: string;
  operation: OperationKind;
  key?: string;
  chosen?: string;
  panic: boolean;
  candidates: ExplainedCandidate[];
}

/**
 * What the facades call to place an operation. Core ships a simple one
 * ({@link createDefaultRouter}); @polycloud/router implements the full model.
 * `route` throws RESIDENCY_VIOLATION when no binding may hold the data,
 * UNSUPPORTED when none has the capability, UNAVAILABLE when none is usable.
 */
export interface Router {
  route(request: RouteRequest): RouteDecision;
  /** An attempt on `binding` is starting (in-flight load). */
  onStart?(resourceId: string, bindingId: string): void;
  /** An attempt finished: feeds latency, error rate, outlier detection and circuits. */
  report(resourceId: string, bindingId: string, outcome: RouteOutcome): void;
  explain(request: RouteRequest): RouteExplanation;
  /**
   * Subscribes core to the router's health changes; returns the unsubscribe. When a
   * change says `healthy: false`, core cuts the attempts queued for or in flight on
   * that binding (they fail over with a retryable UNAVAILABLE instead of waiting out
   * the deadline). Core's own channel: a router keeps emitting the public `health`
   * event for applications too. A router without it gets no health cuts, except that
   * a `health` event it emits through {@link RouterContext.emit} still cuts (the
   * behaviour before this member existed).
   */
  onHealthChange?(listener: (change: HealthEvent) => void): () => void;
  close?(): Promise<void>;
}

/** What a router factory is given by `createPolycloud`. */
export interface RouterContext {
  resources: readonly UrmDocument[];
  residency: ResidencyZones;
  clock: Clock;
  /** Capabilities of the adapter behind a binding. */
  capabilities(resourceId: string, bindingId: string): Readonly<StorageCapabilities> | Readonly<ComputeCapabilities>;
  /** Runs the adapter's cheap liveness probe for a binding (for active health checks). */
  probe(resourceId: string, bindingId: string, signal?: AbortSignal): Promise<void>;
  /** Emits a router event (`route`, `health`, `circuit`) on the Polycloud emitter. */
  emit(event: string, payload: unknown): void;
}

export type RouterFactory = (context: RouterContext) => Router;

/** A binding's health changed (the router's own state; also emitted as the `health` event). */
export interface HealthEvent {
  resource: string;
  binding: string;
  /** Router-specific state name (`ejected`, `circuit-open`, `probe-down`, …). */
  state?: string;
  /** Whether the binding takes traffic now; absent while only trial calls go through. */
  healthy?: boolean;
  [detail: string]: unknown;
}
