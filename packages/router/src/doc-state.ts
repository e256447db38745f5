import type { Binding, OperationKind, RouteDecision, RoutingPolicy, UrmDocument } from '@polycloud/core/spi';
import { hashString, seedOf } from './hash.js';
import type { BindingHealth, ResourceHealth } from './health.js';
import type { ResolvedRouterOptions } from './options.js';
import { regionDistanceKm } from './regions.js';

/** Placement factors of one compliant binding. */
export interface Placement {
  cost: number | undefined;
  static: number;
  role: number;
  relativePrice: number;
  price: number;
  distance: number;
  placement: number;
}

/**
 * Everything a decision needs, computed once per (filter group, cost class) and
 * reused until health changes (version) or time moves past `validUntil` (a price
 * window, an ejection or open circuit ending, a slow-start step).
 */
export interface Table {
  version: number;
  validUntil: number;
  panic: boolean;
  /** Per canonical index (undefined when not compliant). */
  placement: (Placement | undefined)[];
  available: boolean[];
  ramp: Float64Array;
  tierShare: Float64Array;
  /** Effective weight for weighted picks (tier share · placement · ramp, normalised within the tier). */
  effective: Float64Array;
  /** Weighted-pick set, best first (effective desc, priority asc, id asc), and 1/E for rendezvous. */
  pick: Int32Array;
  pickInv: Float64Array;
  pickCum: Float64Array;
  pickTotal: number;
  /** Primary-mode order (usable bindings, priority asc, placement desc, id asc). */
  primary: Int32Array;
  /** Canary binding's canonical index when it may take its keys, else −1. */
  canary: number;
  /** Failover order: all compliant bindings, usable first. */
  order: number[];
  decisions: (RouteDecision | undefined)[];
  rejected: RouteDecision['rejected'];
}

export type Mode = 'primary' | 'rendezvous' | 'p2c';
export type CostClassKey = 'read' | 'write' | 'compute';

/** What a resource document fixes once: canonical binding order, hashes, distances, canary. */
export interface DocState {
  doc: UrmDocument;
  resourceId: string;
  strategy: RoutingPolicy['strategy'];
  /** Bindings sorted by id: decisions do not depend on declaration order. */
  sorted: Binding[];
  index: Map<string, number>;
  /** Two hash lanes per binding (rendezvous). */
  lanes: Int32Array;
  distanceKm: (number | undefined)[];
  callerRegion: string | undefined;
  callerCloud: string | undefined;
  canary: { binding: string; threshold: number; seed: number } | undefined;
  health: ResourceHealth;
  /** Selection mode per operation, for keyed and keyless requests. */
  keyedMode: Record<OperationKind, Mode>;
  keylessMode: Record<OperationKind, Mode>;
  /** Health of each binding, by canonical index. */
  hs: BindingHealth[];
  /** Filter groups: residency → classification → group (no `requires`/`only`), or a composite key. */
  simple: Map<string, Map<string, Group>>;
  composite: Map<string, Group>;
}

/** The hard-filter result for one kind of request, and its weight tables. */
export interface Group {
  compliant: number[];
  rejected: { binding: string; verdict: 'ok' | 'residency' | 'classification' | 'capability' | 'unhealthy' | 'excluded'; detail?: string }[];
  error?: unknown;
  read?: Table;
  write?: Table;
  compute?: Map<string, Table>;
}

export function buildDocState(
  doc: UrmDocument,
  options: ResolvedRouterOptions,
  health: ResourceHealth,
  healthOf: (bindingId: string) => BindingHealth,
): DocState {
  const sorted = [...doc.providers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lanes = new Int32Array(sorted.length * 2);
  const out = new Int32Array(2);
  sorted.forEach((b, i) => {
    hashString(b.id, 0x1b873593, out);
    lanes[2 * i] = out[0]!;
    lanes[2 * i + 1] = out[1]!;
  });
  const callerRegion = doc.routing.caller_region ?? options.caller.region;
  const canary = doc.routing.canary;
  return {
    doc,
    resourceId: doc.resource_id,
    strategy: doc.routing.strategy,
    sorted,
    index: new Map(sorted.map((b, i) => [b.id, i])),
    lanes,
    distanceKm: sorted.map((b) => regionDistanceKm(callerRegion, b.region, options.regions)),
    callerRegion,
    callerCloud: options.caller.cloud,
    canary:
      canary && canary.percent > 0
        ? { binding: canary.binding, threshold: Math.round(canary.percent * 100), seed: seedOf(canary.salt ?? `canary:${doc.resource_id}`) }
        : undefined,
    health,
    keyedMode: Object.fromEntries(OPERATIONS.map((op) => [op, modeOf(doc.routing.strategy, op, true)])) as Record<OperationKind, Mode>,
    keylessMode: Object.fromEntries(OPERATIONS.map((op) => [op, modeOf(doc.routing.strategy, op, false)])) as Record<OperationKind, Mode>,
    hs: sorted.map((b) => healthOf(b.id)),
    simple: new Map(),
    composite: new Map(),
  };
}

const OPERATIONS: OperationKind[] = ['read', 'head', 'list', 'write', 'delete', 'copy', 'presign', 'submit', 'status', 'cancel'];
const READS: ReadonlySet<OperationKind> = new Set(['read', 'head', 'list', 'presign']);

export function costClassOf(op: OperationKind): CostClassKey {
  if (op === 'submit' || op === 'status' || op === 'cancel') return 'compute';
  return READS.has(op) ? 'read' : 'write';
}

/** Which selection an operation uses under a strategy. */
export function modeOf(strategy: RoutingPolicy['strategy'], op: OperationKind, keyed: boolean): Mode {
  if (strategy === 'primary') return 'primary';
  if (strategy === 'balanced' && READS.has(op)) return 'p2c';
  return keyed ? 'rendezvous' : 'primary';
}
