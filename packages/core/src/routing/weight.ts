import type { Price, PriceWindow } from '../urm/price.js';

/**
 * The pure routing-weight model (docs/routing.md). A binding's weight is a product
 *
 *   W = staticWeight · role · Π_k x_k^(−α_k)
 *
 * over "badness" signals x_k ≥ 1 that are each a ratio, never an absolute number in
 * a currency: so multiplying every price by 100 changes no weight ratio (unit
 * invariance), and since W_a / W_b depends only on a's and b's own signals, adding a
 * candidate never reorders two others (no min-max normalisation over the set).
 */

/** What an operation costs, for pricing: storage reads, storage writes, or a compute job. */
export type CostClass = 'read' | 'write' | 'compute';

/** The reference workload prices are weighed for (one object, one job). */
export interface Workload {
  /** Size of the object an operation moves, GB (default 0.001 = 1 MB). */
  objectGB: number;
  /** How long a written object is kept, months (default 1). */
  retentionMonths: number;
  /** How long a job runs, hours (default 1). */
  jobHours: number;
  /** Job size when the request gives none. */
  job: { cpu: number; memoryMiB: number };
}

export const DEFAULT_WORKLOAD: Readonly<Workload> = Object.freeze({
  objectGB: 0.001,
  retentionMonths: 1,
  jobHours: 1,
  job: Object.freeze({ cpu: 1, memoryMiB: 2048 }),
});

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

function minuteOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * The time-of-day price multiplier at `nowMs` (the first window that contains the
 * instant wins; none → 1), and the next instant at which any window opens or
 * closes (`Infinity` without a schedule), so callers can cache until then.
 */
export function priceMultiplier(schedule: readonly PriceWindow[] | undefined, nowMs: number): { multiplier: number; nextChangeMs: number } {
  if (!schedule || schedule.length === 0) return { multiplier: 1, nextChangeMs: Infinity };
  let multiplier = 1;
  let found = false;
  let nextChangeMs = Infinity;
  const minuteStart = Math.floor(nowMs / MINUTE) * MINUTE;
  for (const w of schedule) {
    const offset = w.utc_offset_minutes ?? 0;
    const m = (((Math.floor(nowMs / MINUTE) + offset) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
    const from = minuteOf(w.from);
    const to = minuteOf(w.to);
    const inside = from < to ? m >= from && m < to : m >= from || m < to;
    if (inside && !found) {
      multiplier = w.multiplier;
      found = true;
    }
    for (const b of [from, to]) {
      const delta = (b - m + DAY_MINUTES) % DAY_MINUTES || DAY_MINUTES;
      nextChangeMs = Math.min(nextChangeMs, minuteStart + delta * MINUTE);
    }
  }
  return { multiplier, nextChangeMs };
}

export interface CostInput {
  price: Price | undefined;
  costClass: CostClass;
  /** Region of the binding (egress to its own region is free). */
  bindingRegion?: string;
  /** Where the caller is, for egress. */
  callerRegion?: string;
  callerCloud?: string;
  job?: { cpu: number; memoryMiB: number };
  workload?: Workload;
  /** Time-of-day multiplier (from {@link priceMultiplier}). */
  multiplier?: number;
  /** List price: egress as if the caller were in another region (the binding's own price floor). */
  list?: boolean;
}

/**
 * Expected cost of one operation on a binding, in the binding's own currency units,
 * or `undefined` when the binding declares no price relevant to this operation.
 * - read: request price + egress of one object to the caller (0 in the caller's region);
 * - write: request price + storing one object for the retention period;
 * - compute: (vCPU-hour · cpu + GiB-hour · memory) · job hours.
 * All of it times the time-of-day multiplier.
 */
export function operationCost(input: CostInput): number | undefined {
  const p = input.price;
  if (!p) return undefined;
  const wl = input.workload ?? DEFAULT_WORKLOAD;
  const k = input.multiplier ?? 1;
  if (input.costClass === 'compute') {
    if (p.vcpu_hour === undefined && p.memory_gib_hour === undefined) return undefined;
    const job = input.job ?? wl.job;
    return k * ((p.vcpu_hour ?? 0) * job.cpu + ((p.memory_gib_hour ?? 0) * job.memoryMiB) / 1024) * wl.jobHours;
  }
  const request = p.request_1k === undefined ? undefined : p.request_1k / 1000;
  if (input.costClass === 'write') {
    const storage = p.storage_gb_month === undefined ? undefined : p.storage_gb_month * wl.objectGB * wl.retentionMonths;
    if (request === undefined && storage === undefined) return undefined;
    return k * ((request ?? 0) + (storage ?? 0));
  }
  const egress = egressRate(p, input.list ? undefined : input.bindingRegion, input.callerRegion, input.callerCloud);
  if (request === undefined && egress === undefined) return undefined;
  return k * ((request ?? 0) + (egress ?? 0) * wl.objectGB);
}

function egressRate(p: Price, bindingRegion?: string, callerRegion?: string, callerCloud?: string): number | undefined {
  if (callerRegion !== undefined && bindingRegion === callerRegion) return 0;
  const to = p.egress_gb_to;
  if (to && callerRegion !== undefined && to[callerRegion] !== undefined) return to[callerRegion];
  if (to && callerCloud !== undefined && to[callerCloud] !== undefined) return to[callerCloud];
  return p.egress_gb;
}

/**
 * The price reference of a candidate set: the lowest positive cost. It only scales
 * the displayed relative prices (every priced binding's factor is a pure power of its
 * cost, so the reference cancels out of every weight ratio) and stands in for the
 * cost of a binding that declares no price: 1/priceFloorRatio (100×) the cheapest
 * (see {@link placementWeight}; before, an unpriced binding tied with the cheapest).
 */
export function priceReference(costs: Iterable<number | undefined>): number | undefined {
  let ref: number | undefined;
  for (const c of costs) if (c !== undefined && c > 0 && (ref === undefined || c < ref)) ref = c;
  return ref;
}

export interface WeightExponents {
  price: number;
  distance: number;
  latency: number;
  errors: number;
}

export interface WeightParams {
  exponents: WeightExponents;
  /** From {@link priceReference} over the compliant candidates; `undefined` → price is neutral. */
  priceReference?: number;
  /** A cost counts as at least this fraction of the binding's own list cost (default 0.01). */
  priceFloorRatio?: number;
  /** Distance scale, km: factor (1 + km/scale)^−α (default 1000). */
  distanceScaleKm?: number;
  /** Latency below this counts as this, ms (default 1). */
  latencyFloorMs?: number;
  /** Error-rate smoothing ε: factor ((e + ε)/ε)^−α (default 0.05). */
  errorEpsilon?: number;
}

/** The signals of one binding. Absent signal → neutral factor 1. */
export interface WeightSignals {
  staticWeight: number;
  /** Role factor (primary 1, standby as configured). */
  role?: number;
  /** Expected cost of the operation, from {@link operationCost}. */
  cost?: number;
  /**
   * The binding's list cost of the operation (`operationCost({ list: true })`); the
   * cost counts as at least `priceFloorRatio` of it, so a same-region read with free
   * egress stays finite without involving any other binding.
   */
  listCost?: number;
  /** Great-circle distance from the caller, km. */
  distanceKm?: number;
  /** Peak-EWMA latency, ms. */
  latencyMs?: number;
  /** Attempts in flight on the binding. */
  inflight?: number;
  /** Recent error rate in [0, 1]. */
  errorRate?: number;
}

/** Each factor of the product, and the two weights built from them. */
export interface WeightBreakdown {
  static: number;
  role: number;
  /** Cost relative to the reference (≥ floor ratio; 1 when neutral). */
  relativePrice: number;
  price: number;
  distance: number;
  latency: number;
  errors: number;
  /** static · role · price · distance: where data and jobs are placed (sticky, primary). */
  placement: number;
  /** latency · errors: the load-dependent part (power-of-two-choices). */
  dynamic: number;
  /** placement · dynamic. */
  weight: number;
}

/** The placement factors only (static, role, price, distance). */
export function placementWeight(s: WeightSignals, params: WeightParams): Omit<WeightBreakdown, 'latency' | 'errors' | 'dynamic' | 'weight'> {
  const e = params.exponents;
  let relativePrice = 1;
  const ref = params.priceReference;
  if (ref !== undefined && ref > 0) {
    const floor = params.priceFloorRatio ?? 0.01;
    if (s.cost === undefined) {
      // The unpriced rule: among priced candidates, a binding that declares no price is
      // not free — it counts as 1/floor (100×) the cheapest, so it is chosen only when
      // the priced ones cannot be (ties among unpriced ones: priority, weight, order).
      relativePrice = 1 / floor;
    } else {
      const cost = Math.max(s.cost, floor * (s.listCost ?? 0));
      // All-zero prices: as cheap as `floor` of the reference (the one ref-dependent corner).
      relativePrice = cost > 0 ? cost / ref : floor;
    }
  }
  const price = e.price === 0 ? 1 : relativePrice ** -e.price;
  const distance = s.distanceKm === undefined || e.distance === 0 ? 1 : (1 + s.distanceKm / (params.distanceScaleKm ?? 1000)) ** -e.distance;
  const role = s.role ?? 1;
  return { static: s.staticWeight, role, relativePrice, price, distance, placement: s.staticWeight * role * price * distance };
}

/** The load-dependent factor: (latency/floor · (in-flight + 1))^−α_lat · ((err + ε)/ε)^−α_err. */
export function dynamicFactor(s: WeightSignals, params: WeightParams): { latency: number; errors: number; dynamic: number } {
  const e = params.exponents;
  const floor = params.latencyFloorMs ?? 1;
  const eps = params.errorEpsilon ?? 0.05;
  const lat = Math.max(s.latencyMs ?? floor, floor) / floor;
  const latency = e.latency === 0 ? 1 : (lat * ((s.inflight ?? 0) + 1)) ** -e.latency;
  const errors = e.errors === 0 ? 1 : (((s.errorRate ?? 0) + eps) / eps) ** -e.errors;
  return { latency, errors, dynamic: latency * errors };
}

/** The full weight of one binding: every factor of the product. */
export function routingWeight(s: WeightSignals, params: WeightParams): WeightBreakdown {
  const p = placementWeight(s, params);
  const d = dynamicFactor(s, params);
  return { ...p, ...d, weight: p.placement * d.dynamic };
}

/**
 * Envoy-style priority loads: tier health = min(1, overprovisioning · healthy share);
 * tiers take traffic in order until 100% is placed; when the tiers' health sums to
 * less than 1, loads are the healths normalised. Input: each tier's healthy share in
 * [0, 1], best tier first. All zero → all zero (the caller panics).
 */
export function tierLoads(healthyShares: readonly number[], overprovisioning = 1.4): number[] {
  const health = healthyShares.map((h) => Math.min(1, overprovisioning * Math.max(0, h)));
  const total = health.reduce((a, b) => a + b, 0);
  if (total === 0) return health.map(() => 0);
  if (total < 1) return health.map((h) => h / total);
  let remaining = 1;
  return health.map((h) => {
    const load = Math.min(remaining, h);
    remaining -= load;
    return load;
  });
}
